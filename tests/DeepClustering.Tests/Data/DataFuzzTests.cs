using System.Text;
using DeepClustering.Data;
using Xunit.Abstractions;
using static DeepClustering.Tests.Data.DataFiles;

namespace DeepClustering.Tests.Data;

/// <summary>
/// Seeded quick fuzzing of the file readers: hundreds of mutated and truncated IDX, .npy and CSV files must each
/// either load or fail with a <see cref="DataFormatException"/> naming the file: never another exception type,
/// never a hang (the test has a time limit), never a large allocation (each case is measured).
/// </summary>
public sealed class DataFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 20_260_101;
    private const long MaxAllocationPerCase = 48L << 20;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task IdxVariantsFailOnlyWithDataFormatException()
    {
        var images = Idx(0x08, [6, 4, 5], Ramp(120).Select(v => v * 2 % 256).ToArray());
        var floats = Idx(0x0D, [5, 3], Ramp(15, 0.5));
        var labels = Idx(0x08, [6], [1, 2, 3, 4, 5, 6]);
        var variants = new List<(string Name, byte[] Bytes)>();
        var rng = new Random(Seed);
        foreach (var (baseName, bytes) in new[] { ("u8", images), ("f32", floats), ("labels", labels) })
        {
            int headerEnd = 4 + 4 * bytes[3];
            for (int cut = 0; cut <= headerEnd + 2; cut++) variants.Add(($"{baseName} cut {cut}", bytes[..cut]));
            variants.Add(($"{baseName} cut -1", bytes[..^1]));
            variants.Add(($"{baseName} extra", bytes.Concat(new byte[] { 0 }).ToArray()));
            foreach (var type in new byte[] { 0x00, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0xFF })
                variants.Add(($"{baseName} type {type:X2}", With(bytes, 2, type)));
            foreach (var dims in new byte[] { 0, 1, 2, 3, 4, 16, 17, 255 })
                variants.Add(($"{baseName} ndims {dims}", With(bytes, 3, dims)));
            for (int d = 0; d < bytes[3]; d++)
                foreach (var size in new uint[] { 0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1_000_000, 65_536 })
                    variants.Add(($"{baseName} dim {d} = {size}", WithBigEndian(bytes, 4 + 4 * d, size)));
            AddBitFlips(variants, baseName, bytes, headerEnd, rng, 40);
        }
        await Task.Run(() => RunAll(variants, "fuzz-idx3-ubyte", path => DataLoader.Load(path), path => DataLoader.LoadLabels(path)));
    }

    [Fact(Timeout = 120_000)]
    public async Task NpyVariantsFailOnlyWithDataFormatException()
    {
        var f4 = Npy("<f4", [4, 3], Ramp(12, 0.5));
        var u1 = Npy("|u1", [3, 2, 2], Ramp(12), major: 2);
        var i8 = Npy("<i8", [5], [0, 1, 2, 1, 0]);
        var variants = new List<(string Name, byte[] Bytes)>();
        var rng = new Random(Seed + 1);
        foreach (var (baseName, bytes) in new[] { ("f4", f4), ("u1v2", u1), ("i8", i8) })
        {
            int headerEnd = (int)NpyReader.ReadHeader(_dir.Write("h.npy", bytes)).DataOffset;
            for (int cut = 0; cut <= 12; cut++) variants.Add(($"{baseName} cut {cut}", bytes[..cut]));
            for (int cut = 12; cut <= headerEnd + 1; cut += 3) variants.Add(($"{baseName} cut {cut}", bytes[..cut]));
            variants.Add(($"{baseName} cut -1", bytes[..^1]));
            variants.Add(($"{baseName} extra", bytes.Concat(new byte[] { 0, 0, 0, 0 }).ToArray()));
            foreach (var version in new byte[] { 0, 1, 2, 3, 4, 255 }) variants.Add(($"{baseName} major {version}", With(bytes, 6, version)));
            foreach (var len in new uint[] { 0, 1, 63, 0xFFFF, 0xFFFF_FFFF })
            {
                var v = (byte[])bytes.Clone();
                v[8] = (byte)len; v[9] = (byte)(len >> 8);
                if (bytes[6] >= 2) { v[10] = (byte)(len >> 16); v[11] = (byte)(len >> 24); }
                variants.Add(($"{baseName} header length {len}", v));
            }
            AddBitFlips(variants, baseName, bytes, headerEnd, rng, 40);
        }
        string[] dtypes = ["<f4", "<f8", "<f2", "<i8", "|u1", "|b1", ">f4", "|O", "<U4", "<c8", "<M8[s]", "|V8", "f4", "<f16", "", "<", "<f4 ", "<i0"];
        string[] shapes = ["(4, 3)", "(12,)", "()", "(0, 3)", "(4, 0)", "(3, 4)", "(2, 2, 3)", "(1, 4, 3)", "(4, 3, 1, 1)",
            "(2147483647, 2)", "(9223372036854775807, 9223372036854775807)", "(99999999999999999999,)", "(-1, 3)", "(4, 3", "4, 3", "(4, 'a')", "(True, 3)"];
        foreach (var dtype in dtypes)
            foreach (var shape in shapes.Take(dtype == "<f4" ? shapes.Length : 4))
                variants.Add(($"descr {dtype} shape {shape}", Npy($"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}", Encode("<f4", Ramp(12)))));
        foreach (var dict in new[] { "{}", "", "{'descr': '<f4'", "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (12,)}",
                     "{'descr': '<f4', 'fortran_order': None, 'shape': (12,)}", "{'descr': 4, 'fortran_order': False, 'shape': (12,)}",
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (12,), 'x': [[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]}",
                     "{'descr': '<f4\\'', 'fortran_order': False, 'shape': (12,)}", "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (12,),}",
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (12,)} trailing", "{'descr': '<f4', 'fortran_order': Falsy, 'shape': (12,)}" })
            variants.Add(($"dict {dict}", Npy(dict, Encode("<f4", Ramp(12)))));

        await Task.Run(() => RunAll(variants, "fuzz.npy", path => DataLoader.Load(path), path => DataLoader.LoadLabels(path),
            path => new NpyChunkSource(path).ReadChunks(3).Sum(c => c.Rows)));
    }

    [Fact(Timeout = 120_000)]
    public async Task CsvVariantsFailOnlyWithDataFormatException()
    {
        var sb = new StringBuilder("# comment\nx,y,\"z\",label\n");
        for (int i = 0; i < 12; i++) sb.Append($"{i * 0.5},{-i},{i}e-1,{i % 3}\n");
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        var variants = new List<(string Name, byte[] Bytes)>();
        var rng = new Random(Seed + 2);
        for (int cut = 0; cut < bytes.Length; cut += 3) variants.Add(($"cut {cut}", bytes[..cut]));
        byte[] specials = [(byte)'"', (byte)',', (byte)';', (byte)'\t', (byte)'\n', (byte)'\r', 0, 0xFF, 0xC3, (byte)'#', (byte)' ', (byte)'e', (byte)'-', (byte)'.'];
        for (int k = 0; k < 120; k++)
        {
            var v = (byte[])bytes.Clone();
            int edits = 1 + rng.Next(4);
            for (int e = 0; e < edits; e++)
            {
                int at = rng.Next(v.Length);
                v[at] = rng.Next(3) == 0 ? (byte)rng.Next(256) : specials[rng.Next(specials.Length)];
            }
            variants.Add(($"edit {k}", v));
        }
        variants.Add(("utf16 odd", [0xFF, 0xFE, (byte)'1', 0, (byte)',']));
        variants.Add(("bom only", [0xEF, 0xBB, 0xBF]));
        variants.Add(("long line", Encoding.ASCII.GetBytes(string.Join(",", Enumerable.Repeat("1", 20000)) + "\n")));
        variants.Add(("unclosed quote", Encoding.ASCII.GetBytes("\"" + new string('1', 5000))));
        var options = new CsvOptions { LabelColumnName = "label" };
        await Task.Run(() => RunAll(variants, "fuzz.csv", path => DataLoader.Load(path), path => DataLoader.Load(path, csv: options),
            path => DataLoader.LoadLabels(path, new CsvOptions { LabelColumn = -1 })));
    }

    private void RunAll(List<(string Name, byte[] Bytes)> variants, string fileName, params Action<string>[] readers)
    {
        int loaded = 0, rejected = 0;
        foreach (var (name, bytes) in variants)
        {
            foreach (var gzip in new[] { false, true })
            {
                var path = _dir.Write(gzip ? fileName + ".gz" : fileName, gzip ? Gzip(bytes) : bytes);
                foreach (var read in readers)
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    try
                    {
                        read(path);
                        loaded++;
                    }
                    catch (DataFormatException e)
                    {
                        rejected++;
                        Assert.True(e.Message.Contains(Path.GetFileName(path), StringComparison.Ordinal), $"{name} (gzip {gzip}): message does not name the file: {e.Message}");
                        Assert.Equal(path, e.FileName);
                    }
                    catch (Exception e)
                    {
                        Assert.Fail($"{name} (gzip {gzip}): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                    }
                    long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    Assert.True(allocated < MaxAllocationPerCase, $"{name} (gzip {gzip}): allocated {allocated:N0} bytes");
                }
            }
        }
        output.WriteLine($"{variants.Count} variants x 2 (raw, gzip) x {readers.Length} readers: {loaded} loaded, {rejected} rejected.");
        Assert.True(rejected > variants.Count, "the fuzzing rejected suspiciously few variants");
    }

    private static void AddBitFlips(List<(string, byte[])> variants, string baseName, byte[] bytes, int headerEnd, Random rng, int count)
    {
        for (int k = 0; k < count; k++)
        {
            var v = (byte[])bytes.Clone();
            int flips = 1 + rng.Next(3);
            for (int f = 0; f < flips; f++)
            {
                // Two thirds of the flips hit the header, where they matter most.
                int at = rng.Next(3) < 2 ? rng.Next(Math.Min(headerEnd, v.Length)) : rng.Next(v.Length);
                v[at] ^= (byte)(1 << rng.Next(8));
            }
            variants.Add(($"{baseName} flip {k}", v));
        }
    }

    private static byte[] With(byte[] bytes, int at, byte value)
    {
        var v = (byte[])bytes.Clone();
        v[at] = value;
        return v;
    }

    private static byte[] WithBigEndian(byte[] bytes, int at, uint value)
    {
        var v = (byte[])bytes.Clone();
        if (at + 4 <= v.Length) System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(v.AsSpan(at), value);
        return v;
    }
}
