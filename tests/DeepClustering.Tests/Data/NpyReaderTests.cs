using DeepClustering.Data;
using static DeepClustering.Tests.Data.DataFiles;

namespace DeepClustering.Tests.Data;

public sealed class NpyReaderTests : IDisposable
{
    private static readonly string FixtureDir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "npy");
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Fixture(string name) => Path.Combine(FixtureDir, name);

    // ---- files written by numpy itself (Fixtures/scripts/make_npy_fixtures.py) ----

    [Theory]
    [InlineData("f4.npy", 0.5, 0.0)]
    [InlineData("f8.npy", 0.5, 0.0)]
    [InlineData("f2.npy", 0.5, 0.0)]
    [InlineData("i4.npy", 1.0, 0.0)]
    [InlineData("i8.npy", 1.0, 0.0)]
    [InlineData("i2.npy", 1.0, -6.0)]
    [InlineData("i1.npy", 1.0, -6.0)]
    [InlineData("u1.npy", 1.0, 0.0)]
    [InlineData("u2.npy", 1.0, 0.0)]
    [InlineData("f4_v2.npy", 0.5, 0.0)]
    [InlineData("f4_v3.npy", 0.5, 0.0)]
    public void ReadsNumpyWrittenFiles(string file, double factor, double offset)
    {
        var d = NpyReader.Read(Fixture(file));
        Assert.Equal(3, d.Rows);
        Assert.Equal(4, d.Columns);
        Assert.Equal(Ramp(12, factor, offset).Select(v => (float)v), d.Values.ToArray());
    }

    [Fact]
    public void ReadsNumpyBoolAndHeaderVersions()
    {
        var b = NpyReader.Read(Fixture("b1.npy"));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (float)(i % 2)), b.Values.ToArray());
        Assert.Equal(1, NpyReader.ReadHeader(Fixture("f4.npy")).MajorVersion);
        Assert.Equal(2, NpyReader.ReadHeader(Fixture("f4_v2.npy")).MajorVersion);
        var v3 = NpyReader.ReadHeader(Fixture("f4_v3.npy"));
        Assert.Equal(3, v3.MajorVersion);
        Assert.Equal("<f4", v3.DType);
        Assert.Equal([3L, 4L], v3.Shape);
        Assert.Equal(0, v3.DataOffset % 64);
    }

    [Fact]
    public void ReadsNumpyLabelsAndImages()
    {
        Assert.Equal([0, 1, 2, 1, 0], NpyReader.ReadLabels(Fixture("labels_i8.npy")));
        var images = NpyReader.Read(Fixture("images_3d_u1.npy"));
        Assert.Equal(2, images.Rows);
        Assert.Equal(new ImageShape(1, 3, 4), images.Image);
        Assert.Equal(Ramp(24).Select(v => (float)v), images.Values.ToArray());
    }

    [Fact]
    public void ChannelsLastImagesAreTransposedToChannelsFirst()
    {
        var d = NpyReader.Read(Fixture("images_nhwc_f4.npy")); // (2, 5, 6, 3) with value 1000 i + 100 c + 10 y + x
        Assert.Equal(new ImageShape(3, 5, 6), d.Image);
        for (int i = 0; i < 2; i++)
        {
            var row = d.Row(i);
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 5; y++)
                    for (int x = 0; x < 6; x++)
                        Assert.Equal(1000 * i + 100 * c + 10 * y + x, row[c * 30 + y * 6 + x]);
        }
        // The same images channels-first: taken as stored.
        var chw = _dir.Write("nchw.npy", Npy("<f4", [2, 3, 5, 6], Ramp(180)));
        var e = NpyReader.Read(chw);
        Assert.Equal(new ImageShape(3, 5, 6), e.Image);
        Assert.Equal(Ramp(180).Select(v => (float)v), e.Values.ToArray());
        // Channels last streamed in chunks gives the same rows.
        var chunks = new NpyChunkSource(Fixture("images_nhwc_f4.npy")).ReadChunks(1).SelectMany(c => c.Values.ToArray());
        Assert.Equal(d.Values.ToArray(), chunks);
    }

    [Theory]
    [InlineData("fortran.npy", "Fortran")]
    [InlineData("big_endian.npy", "big-endian")]
    [InlineData("object.npy", "Python objects")]
    [InlineData("structured.npy", "structured")]
    [InlineData("complex.npy", "not supported")]
    [InlineData("strings.npy", "not supported")]
    [InlineData("nan.npy", "row 1")]
    [InlineData("scalar.npy", "scalar")]
    [InlineData("empty.npy", "empty")]
    public void RejectsUnsupportedNumpyFiles(string file, string problem)
    {
        Rejects(file, () => NpyReader.Read(Fixture(file)), problem);
    }

    // ---- files assembled here: every dtype, headers, corruption ----

    [Theory]
    [InlineData("<f4")]
    [InlineData("<f8")]
    [InlineData("<f2")]
    [InlineData("<i4")]
    [InlineData("<i8")]
    [InlineData("<i2")]
    [InlineData("<u2")]
    [InlineData("<u4")]
    [InlineData("<u8")]
    [InlineData("|u1")]
    [InlineData("|i1")]
    public void ReadsEveryDtype(string dtype)
    {
        var values = Ramp(6, 1, dtype[1] is 'u' ? 0 : -2);
        foreach (int major in new[] { 1, 2 })
        {
            var path = _dir.Write($"x{major}.npy", Npy(dtype, [2, 3], values, major));
            var d = NpyReader.Read(path);
            Assert.Equal(2, d.Rows);
            Assert.Equal(3, d.Columns);
            Assert.Equal(values.Select(v => (float)v), d.Values.ToArray());
            Assert.Equal(values.Select(v => (int)v), NpyReader.ReadLabels(_dir.Write("l.npy", Npy(dtype, [6], values, major))));
        }
    }

    [Fact]
    public void ReadsGzipCompressedNpy()
    {
        var path = _dir.Write("x.npy.gz", Gzip(Npy("<f4", [3, 2], Ramp(6, 0.5))));
        Assert.Equal(Ramp(6, 0.5).Select(v => (float)v), NpyReader.Read(path).Values.ToArray());
    }

    [Fact]
    public void ToleratesHeaderVariants()
    {
        // Double quotes, key order, no trailing comma, Python 2 long suffixes, fortran_order True on 1-D data.
        var data = Encode("<f4", Ramp(4));
        var a = _dir.Write("a.npy", Npy("{\"shape\": (2L, 2L), \"fortran_order\": False, \"descr\": \"<f4\"}", data));
        Assert.Equal(Ramp(4).Select(v => (float)v), NpyReader.Read(a).Values.ToArray());
        var b = _dir.Write("b.npy", Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (4,)}", data));
        Assert.Equal(4, NpyReader.Read(b).Rows);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False}", "no 'shape'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'extra': 1}", "unexpected key")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)", "malformed")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 2)}", "fortran_order")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2)}", "non-negative")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': 4}", "not a tuple")]
    [InlineData("{'descr': '<U3', 'fortran_order': False, 'shape': (2, 2)}", "not supported")]
    [InlineData("{'descr': '>i8', 'fortran_order': False, 'shape': (2, 2)}", "big-endian")]
    [InlineData("{'descr': '|O', 'fortran_order': False, 'shape': (2, 2)}", "Python objects")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 2)}", "structured")]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2)}", "Fortran")]
    [InlineData("{'descr': [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "nested too deeply")]
    [InlineData("['descr']", "does not start with '{'")]
    public void RejectsMalformedHeaders(string dict, string problem)
    {
        var path = _dir.Write("h.npy", Npy(dict, Encode("<f4", Ramp(4))));
        Rejects(path, () => NpyReader.Read(path), problem);
    }

    [Fact]
    public void RejectsWrongMagicVersionAndTruncation()
    {
        var good = Npy("<f4", [4, 2], Ramp(8));
        var magic = (byte[])good.Clone();
        magic[1] = (byte)'X';
        var p1 = _dir.Write("magic.npy", magic);
        Rejects(p1, () => NpyReader.Read(p1), "magic");

        var version = (byte[])good.Clone();
        version[6] = 9;
        var p2 = _dir.Write("version.npy", version);
        Rejects(p2, () => NpyReader.Read(p2), "version 9");

        var p3 = _dir.Write("short-data.npy", good[..^3]);
        Rejects(p3, () => NpyReader.Read(p3), "truncated");
        var p4 = _dir.Write("short-header.npy", good[..40]);
        Rejects(p4, () => NpyReader.Read(p4), "truncated");
        var p5 = _dir.Write("short-data.npy.gz", Gzip(good[..^3]));
        Rejects(p5, () => NpyReader.Read(p5), "truncated");
    }

    [Fact]
    public void HugeDeclaredShapeFailsWithoutAllocating()
    {
        var bytes = Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (200000000, 10), }", Encode("<f8", Ramp(4)));
        var raw = _dir.Write("huge.npy", bytes);
        var gz = _dir.Write("huge.npy.gz", Gzip(bytes));
        var tooBig = _dir.Write("too-big.npy", Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000, 100), }", []));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Rejects(raw, () => NpyReader.Read(raw), "truncated");
        Rejects(gz, () => NpyReader.Read(gz));
        Rejects(tooBig, () => NpyReader.Read(tooBig), "NpyChunkSource");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 32 << 20);
    }

    [Fact]
    public void LabelsMustBeWholeNumbersIn1D()
    {
        var frac = _dir.Write("frac.npy", Npy("<f8", [3], [0, 1.5, 2]));
        Rejects(frac, () => NpyReader.ReadLabels(frac), "not an integer");
        var big = _dir.Write("big.npy", Npy("<i8", [2], [0, 3e10]));
        Rejects(big, () => NpyReader.ReadLabels(big), "int32");
        var twoD = _dir.Write("twod.npy", Npy("<i4", [2, 2], [0, 1, 2, 3]));
        Rejects(twoD, () => NpyReader.ReadLabels(twoD), "1-D");
        var column = _dir.Write("column.npy", Npy("<i4", [3, 1], [4, 5, 6]));
        Assert.Equal([4, 5, 6], NpyReader.ReadLabels(column));
    }

    [Fact]
    public void WriterRoundTripsThroughReader()
    {
        var values = Ramp(24, 0.25, -3).Select(v => (float)v).ToArray();
        var path = _dir.File("w.npy");
        NpyWriter.Write(path, values, 2, 3, 4);
        var d = NpyReader.Read(path);
        Assert.Equal(new ImageShape(1, 3, 4), d.Image);
        Assert.Equal(values, d.Values.ToArray());
        Assert.Equal(0, NpyReader.ReadHeader(path).DataOffset % 64);

        var labels = _dir.File("l.npy");
        NpyWriter.Write(labels, new[] { 3, -1, 7 });
        Assert.Equal([3, -1, 7], NpyReader.ReadLabels(labels));

        var ds = Dataset.FromArray(new float[,] { { 1, 2 }, { 3, 4 } });
        var p2 = _dir.File("ds.npy");
        NpyWriter.Write(p2, ds);
        Assert.Equal(ds.Values.ToArray(), NpyReader.Read(p2).Values.ToArray());
    }

    // ---- streaming ----

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(50)]
    [InlineData(1000)]
    public void ChunkSourceEqualsFullLoad(int chunkRows)
    {
        var values = Ramp(50 * 6, 0.1, -5);
        var path = _dir.Write("big.npy", Npy("<f8", [50, 6], values));
        var labels = Enumerable.Range(0, 50).Select(i => i % 3).ToArray();
        var full = NpyReader.Read(path);
        var source = new NpyChunkSource(path, labels);
        Assert.Equal(50, source.Rows);
        Assert.Equal(6, source.Columns);
        Assert.Equal("big.npy", source.Name);

        for (int pass = 0; pass < 2; pass++) // re-enumerable: every pass reads the file again
        {
            var chunks = source.ReadChunks(chunkRows).ToList();
            Assert.Equal((50 + chunkRows - 1) / chunkRows, chunks.Count);
            Assert.All(chunks.SkipLast(1), c => Assert.Equal(chunkRows, c.Rows));
            Assert.Equal(full.Values.ToArray(), chunks.SelectMany(c => c.Values.ToArray()).ToArray());
            Assert.Equal(labels, chunks.SelectMany(c => c.Labels!).ToArray());
        }
    }

    [Fact]
    public void ChunkSourceReadsGzipAndImages()
    {
        var path = _dir.Write("imgs.npy.gz", Gzip(Npy("|u1", [5, 2, 2], Ramp(20))));
        var source = new NpyChunkSource(path);
        Assert.Equal(new ImageShape(1, 2, 2), source.Image);
        var chunks = source.ReadChunks(2).ToList();
        Assert.Equal(3, chunks.Count);
        Assert.All(chunks, c => Assert.Equal(new ImageShape(1, 2, 2), c.Image));
        Assert.Equal(Ramp(20).Select(v => (float)v), chunks.SelectMany(c => c.Values.ToArray()));
    }

    [Fact]
    public void ChunkSourceChecksHeaderUpFrontAndValuesPerChunk()
    {
        var truncated = _dir.Write("t.npy", Npy("<f4", [10, 2], Ramp(20))[..^4]);
        Rejects(truncated, () => new NpyChunkSource(truncated), "truncated");

        var values = Ramp(20);
        values[13] = double.NaN;
        var nan = _dir.Write("nan.npy", Npy("<f4", [10, 2], values));
        var source = new NpyChunkSource(nan);
        var e = Rejects(nan, () => source.ReadChunks(4).ToList(), "row 6 (0-based)", "column 1");

        Assert.Throws<ArgumentOutOfRangeException>(() => source.ReadChunks(0));
        Assert.Throws<ArgumentException>(() => new NpyChunkSource(nan, [1, 2]));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => source.ReadChunks(4, cts.Token).ToList());
    }

    [Fact]
    public void ChunkSourceNoticesAChangedFile()
    {
        var path = _dir.Write("c.npy", Npy("<f4", [4, 2], Ramp(8)));
        var source = new NpyChunkSource(path);
        Assert.Equal(4, source.ReadChunks(3).Sum(c => c.Rows));
        File.WriteAllBytes(path, Npy("<f4", [2, 4], Ramp(8)));
        Rejects(path, () => source.ReadChunks(3).ToList(), "changed");
    }

    [Fact]
    public void InMemoryChunkSourceEqualsDataset()
    {
        var d = Dataset.FromValues(Ramp(30).Select(v => (float)v).ToArray(), 10, 3, Enumerable.Range(0, 10).ToArray(), "mem");
        var source = d.AsChunkSource();
        Assert.Equal(10, source.Rows);
        Assert.Equal("mem", source.Name);
        var chunks = source.ReadChunks(4).ToList();
        Assert.Equal([4, 4, 2], chunks.Select(c => c.Rows));
        Assert.Equal(d.Values.ToArray(), chunks.SelectMany(c => c.Values.ToArray()));
        Assert.Equal(d.Labels, chunks.SelectMany(c => c.Labels!));
    }
}
