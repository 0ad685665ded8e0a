using DeepClustering.Data;
using static DeepClustering.Tests.Data.DataFiles;

namespace DeepClustering.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsUInt8ImagesRawAndGzip(bool gzip)
    {
        var bytes = Idx(0x08, [3, 2, 4], Ramp(24, 10));
        // The gzip file deliberately has no .gz extension: compression is detected from the content.
        var path = _dir.Write(gzip ? "images-idx3-ubyte" : "raw-idx3-ubyte", gzip ? Gzip(bytes) : bytes);

        var d = IdxReader.Read(path);

        Assert.Equal(3, d.Rows);
        Assert.Equal(8, d.Columns);
        Assert.Equal(new ImageShape(1, 2, 4), d.Image);
        Assert.Equal(Ramp(24, 10).Select(v => (float)(byte)v), d.Values.ToArray());
        Assert.False(d.HasLabels);
        Assert.Equal(System.IO.Path.GetFileName(path), d.Name);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsFloat32BigEndian(bool gzip)
    {
        var values = Ramp(6, 0.25, -1);
        var bytes = Idx(0x0D, [2, 3], values);
        var d = IdxReader.Read(_dir.Write("f.idx", gzip ? Gzip(bytes) : bytes));
        Assert.Equal(2, d.Rows);
        Assert.Equal(3, d.Columns);
        Assert.Null(d.Image);
        Assert.Equal(values.Select(v => (float)v), d.Values.ToArray());
    }

    [Theory]
    [InlineData(0x09, -3.0)]
    [InlineData(0x0B, -300.0)]
    [InlineData(0x0C, -70000.0)]
    [InlineData(0x0E, -0.125)]
    public void ReadsOtherElementTypes(byte type, double offset)
    {
        var values = Ramp(4, 1, offset);
        var d = IdxReader.Read(_dir.Write("t.idx", Idx(type, [4], values)));
        Assert.Equal(4, d.Rows);
        Assert.Equal(1, d.Columns); // 1-D as data: one column
        Assert.Equal(values.Select(v => (float)v), d.Values.ToArray());
    }

    [Fact]
    public void ReadsLabelsRawAndGzip()
    {
        var raw = _dir.Write("labels-idx1-ubyte", Idx(0x08, [5], [7, 2, 1, 0, 4]));
        var gz = _dir.Write("labels-idx1-ubyte.gz", Gzip(Idx(0x08, [5], [7, 2, 1, 0, 4])));
        Assert.Equal([7, 2, 1, 0, 4], IdxReader.ReadLabels(raw));
        Assert.Equal([7, 2, 1, 0, 4], IdxReader.ReadLabels(gz));
        using var s = File.OpenRead(gz);
        Assert.Equal([7, 2, 1, 0, 4], IdxReader.ReadLabels(s, "labels"));
    }

    [Fact]
    public void ReadsFromNonSeekableStream()
    {
        var bytes = Gzip(Idx(0x08, [2, 2, 2], Ramp(8)));
        using var s = new ForwardOnlyStream(bytes);
        var d = IdxReader.Read(s, "piped");
        Assert.Equal(Ramp(8).Select(v => (float)v), d.Values.ToArray());
        Assert.Equal("piped", d.Name);
    }

    [Fact]
    public void RejectsWrongMagic()
    {
        var bytes = Idx(0x08, [2, 2], Ramp(4));
        bytes[0] = 0x12;
        var path = _dir.Write("bad-magic.idx", bytes);
        Rejects(path, () => IdxReader.Read(path), "not an IDX file", "12 00 08 02");
    }

    [Fact]
    public void RejectsUnknownElementType()
    {
        var bytes = Idx(0x08, [2, 2], Ramp(4));
        bytes[2] = 0x07;
        var path = _dir.Write("type.idx", bytes);
        Rejects(path, () => IdxReader.Read(path), "element type 0x07");
    }

    [Fact]
    public void RejectsTruncatedDataAndHeader()
    {
        var bytes = Idx(0x08, [10, 2, 2], Ramp(40));
        var data = _dir.Write("trunc-data.idx", bytes[..^5]);
        Rejects(data, () => IdxReader.Read(data), "truncated");
        var header = _dir.Write("trunc-header.idx", bytes[..9]);
        Rejects(header, () => IdxReader.Read(header), "truncated");
        var gz = _dir.Write("trunc-data.idx.gz", Gzip(bytes[..^5]));
        Rejects(gz, () => IdxReader.Read(gz), "truncated");
    }

    [Fact]
    public void RejectsTrailingBytes()
    {
        var bytes = Idx(0x08, [2, 2], Ramp(4)).Concat(new byte[] { 1, 2, 3 }).ToArray();
        var path = _dir.Write("trailing.idx", bytes);
        Rejects(path, () => IdxReader.Read(path), "after the");
    }

    [Fact]
    public void RejectsHugeDeclaredSizeWithoutAllocating()
    {
        // 2 billion rows of 784 bytes declared, 4 bytes present: must fail before allocating anything large.
        var bytes = Idx(0x08, [2_000_000_000, 1, 1], [1, 2, 3, 4]);
        var raw = _dir.Write("huge.idx", bytes);
        var gz = _dir.Write("huge.idx.gz", Gzip(bytes));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Rejects(raw, () => IdxReader.Read(raw), "truncated");
        Rejects(gz, () => IdxReader.Read(gz));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 32 << 20, "a lying header made the reader allocate a lot");
    }

    [Fact]
    public void RejectsNaNAndInfinity()
    {
        var path = _dir.Write("nan.idx", Idx(0x0D, [2, 3], [1, 2, 3, 4, double.NaN, 6]));
        Rejects(path, () => IdxReader.Read(path), "row 1", "column 1", "NaN");
        var inf = _dir.Write("inf.idx", Idx(0x0E, [2, 1], [1, double.PositiveInfinity]));
        Rejects(inf, () => IdxReader.Read(inf), "row 1", "infinite");
    }

    [Fact]
    public void RejectsEmptyFileAndEmptyArray()
    {
        var empty = _dir.Write("empty.idx", []);
        Rejects(empty, () => IdxReader.Read(empty), "empty");
        var zero = _dir.Write("zero-rows.idx", Idx(0x08, [0, 4], []));
        Rejects(zero, () => IdxReader.Read(zero), "empty", "no rows");
    }

    [Fact]
    public void RejectsNonIntegerOrImageLabels()
    {
        var frac = _dir.Write("frac-labels.idx", Idx(0x0D, [3], [1, 2.5, 3]));
        Rejects(frac, () => IdxReader.ReadLabels(frac), "label 1", "not an integer");
        var images = _dir.Write("images-as-labels.idx", Idx(0x08, [2, 2, 2], Ramp(8)));
        Rejects(images, () => IdxReader.ReadLabels(images), "1-D");
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        var path = _dir.File("nope-idx3-ubyte");
        var e = Assert.Throws<FileNotFoundException>(() => IdxReader.Read(path));
        Assert.Equal(path, e.FileName);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void CorruptGzipIsDataFormatException()
    {
        var gz = Gzip(Idx(0x08, [50, 10], Ramp(500).Select(v => v % 256).ToArray()));
        for (int i = 12; i < gz.Length - 8; i++) gz[i] ^= 0x5A;
        var path = _dir.Write("corrupt.idx.gz", gz);
        Rejects(path, () => IdxReader.Read(path));
    }
}

/// <summary>A stream that can only be read forwards (like a pipe or an HTTP body).</summary>
public sealed class ForwardOnlyStream(byte[] bytes) : Stream
{
    private readonly MemoryStream _inner = new(bytes);

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7)); // short reads on purpose
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
