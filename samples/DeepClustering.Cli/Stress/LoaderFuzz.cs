using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using DeepClustering.Data;

namespace DeepClustering.Cli.Stress;

/// <summary>
/// Mutated and truncated IDX, .npy and CSV files (raw and gzip-compressed) fed to every public reader
/// (<see cref="DataLoader.Load"/>, <see cref="DataLoader.LoadLabels"/>, <see cref="NpyChunkSource"/>): each file
/// must load or fail with <see cref="DataFormatException"/>.
/// </summary>
internal static class LoaderFuzz
{
    /// <summary>Runs about <paramref name="inputs"/> files (split evenly over the three formats) through <paramref name="harness"/>.</summary>
    public static void Run(FuzzHarness harness, int inputs, int seed, string directory)
    {
        var rng = new Random(seed);
        int perFormat = Math.Max(1, (inputs + 2) / 3);
        var csvOptions = new CsvOptions { LabelColumnName = "label" };
        var idxBases = new (string Name, byte[] Bytes)[]
        {
            ("u8", Idx(0x08, [6, 4, 5], i => i * 2 % 256)), ("f32", Idx(0x0D, [5, 3], i => i * 0.5)), ("labels", Idx(0x08, [6], i => i % 3)),
            ("i16", Idx(0x0B, [4, 3], i => i - 5)), ("f64", Idx(0x0E, [2, 2, 2], i => i / 3.0)), ("i32labels", Idx(0x0C, [5], i => i % 2)),
        };
        Feed(harness, "idx", idxBases, b => 4 + 4 * b[3], perFormat, rng, Path.Combine(directory, "fuzz-idx3-ubyte"),
            p => DataLoader.Load(p), p => DataLoader.LoadLabels(p));

        var npyBases = new (string Name, byte[] Bytes)[]
        {
            ("f4", Npy("<f4", "(4, 3)", 12, 4, (b, i) => BinaryPrimitives.WriteSingleLittleEndian(b, i * 0.5f))),
            ("f8", Npy("<f8", "(3, 2)", 6, 8, (b, i) => BinaryPrimitives.WriteDoubleLittleEndian(b, i - 2.5))),
            ("u1v2", Npy("|u1", "(3, 2, 2)", 12, 1, (b, i) => b[0] = (byte)i, major: 2)),
            ("i8", Npy("<i8", "(5,)", 5, 8, (b, i) => BinaryPrimitives.WriteInt64LittleEndian(b, i % 3))),
            ("i4fortran", Npy("<i4", "(3, 2)", 6, 4, (b, i) => BinaryPrimitives.WriteInt32LittleEndian(b, i), fortran: true)),
        };
        Feed(harness, "npy", npyBases, b => b.Length > 9 ? 10 + b[8] + (b[9] << 8) : b.Length, perFormat, rng, Path.Combine(directory, "fuzz.npy"),
            p => DataLoader.Load(p), p => DataLoader.LoadLabels(p), p => new NpyChunkSource(p).ReadChunks(2).Sum(c => c.Rows));

        var sb = new StringBuilder("# comment\nx,y,\"z\",label\n");
        for (int i = 0; i < 10; i++) sb.Append(CultureInfo.InvariantCulture, $"{i * 0.5},{-i},{i}e-1,{i % 3}\n");
        var csvBases = new (string Name, byte[] Bytes)[]
        {
            ("labelled", Encoding.UTF8.GetBytes(sb.ToString())),
            ("plain", Encoding.UTF8.GetBytes("1,2,3\n4,5,6\n7,8,9\n1e3,-2.5,\"3\"\n")),
            ("labels", Encoding.UTF8.GetBytes("label\n0\n1\n2\n1\n")),
        };
        Feed(harness, "csv", csvBases, b => 24, perFormat, rng, Path.Combine(directory, "fuzz.csv"),
            p => DataLoader.Load(p), p => DataLoader.Load(p, csv: csvOptions), p => DataLoader.LoadLabels(p, new CsvOptions { LabelColumn = -1 }));
    }

    private static void Feed(FuzzHarness harness, string format, (string Name, byte[] Bytes)[] bases, Func<byte[], int> headerEnd, int count,
        Random rng, string path, params Action<string>[] readers)
    {
        // Every truncation point of every header first, then random mutations up to the quota.
        var inputs = new List<(string Name, byte[] Bytes)>();
        foreach (var (name, bytes) in bases)
            for (int cut = 0; cut <= Math.Min(bytes.Length, headerEnd(bytes) + 2); cut++) inputs.Add(($"{name} cut {cut}", bytes[..cut]));
        while (inputs.Count < count)
        {
            var (name, bytes) = bases[rng.Next(bases.Length)];
            var (what, mutated) = FuzzBytes.Mutate(bytes, headerEnd(bytes), rng);
            inputs.Add(($"{name} {what} #{inputs.Count}", mutated));
        }
        for (int i = 0; i < inputs.Count; i++)
        {
            var (name, bytes) = inputs[i];
            // A quarter of the files gzip-compressed; some of those have the compressed stream itself damaged.
            string file = path;
            byte[] content = bytes;
            int mode = i % 8;
            if (mode == 1) { file = path + ".gz"; content = FuzzBytes.Gzip(bytes); name += " (gzip)"; }
            else if (mode == 5)
            {
                file = path + ".gz";
                var (what, damaged) = FuzzBytes.Mutate(FuzzBytes.Gzip(bytes), 10, rng);
                content = damaged;
                name += $" (gzip, {what})";
            }
            File.WriteAllBytes(file, content);
            harness.Run(format, name, () =>
            {
                // Every reader runs; when all of them reject the file, the first rejection is rethrown so that the input counts as rejected.
                DataFormatException? rejection = null;
                bool anyLoaded = false;
                foreach (var read in readers)
                {
                    try { read(file); anyLoaded = true; }
                    catch (DataFormatException e)
                    {
                        if (e.FileName != file) throw new InvalidOperationException($"DataFormatException names '{e.FileName}', not the file read: {e.Message}");
                        rejection ??= e;
                    }
                }
                if (rejection is not null && !anyLoaded) throw rejection;
            }, typeof(DataFormatException));
        }
    }

    private static byte[] Idx(byte type, int[] shape, Func<int, double> value)
    {
        var ms = new MemoryStream();
        ms.Write([0, 0, type, (byte)shape.Length]);
        Span<byte> b = stackalloc byte[8];
        foreach (var s in shape) { BinaryPrimitives.WriteInt32BigEndian(b, s); ms.Write(b[..4]); }
        int n = shape.Aggregate(1, (a, s) => a * s);
        for (int i = 0; i < n; i++)
        {
            double v = value(i);
            switch (type)
            {
                case 0x08: ms.WriteByte((byte)v); break;
                case 0x0B: BinaryPrimitives.WriteInt16BigEndian(b, (short)v); ms.Write(b[..2]); break;
                case 0x0C: BinaryPrimitives.WriteInt32BigEndian(b, (int)v); ms.Write(b[..4]); break;
                case 0x0D: BinaryPrimitives.WriteSingleBigEndian(b, (float)v); ms.Write(b[..4]); break;
                default: BinaryPrimitives.WriteDoubleBigEndian(b, v); ms.Write(b[..8]); break;
            }
        }
        return ms.ToArray();
    }

    private static byte[] Npy(string dtype, string shape, int count, int width, Action<byte[], int> write, int major = 1, bool fortran = false)
    {
        string dict = $"{{'descr': '{dtype}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";
        int prefix = major == 1 ? 10 : 12;
        int total = prefix + dict.Length + 1;
        var header = dict + new string(' ', (total + 63) / 64 * 64 - total) + "\n";
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0]);
        var len = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)header.Length);
        ms.Write(len, 0, major == 1 ? 2 : 4);
        ms.Write(Encoding.Latin1.GetBytes(header));
        var cell = new byte[width];
        for (int i = 0; i < count; i++) { write(cell, i); ms.Write(cell); }
        return ms.ToArray();
    }
}
