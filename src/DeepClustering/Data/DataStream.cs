using System.Buffers.Binary;
using System.IO.Compression;

namespace DeepClustering.Data;

/// <summary>
/// A forward-only, read-only view of a data file or stream that hides gzip compression (detected by the magic
/// bytes 1F 8B, whatever the file is called), lets the format readers peek at the first bytes of the content,
/// counts the bytes consumed and knows how many bytes can still come: exactly for an uncompressed seekable
/// source, as an upper bound for a gzip file (deflate expands at most about 1032-fold). The readers check a
/// header's declared sizes against these limits before they allocate anything, so a lying header fails fast
/// instead of asking for gigabytes. Corrupt compressed data surfaces as <see cref="DataFormatException"/>.
/// </summary>
internal sealed class DataStream : Stream
{
    /// <summary>How many leading content bytes <see cref="Head"/> holds (enough for every magic number).</summary>
    public const int HeadCapacity = 16;

    // Deflate's best case is 1032:1; the gzip header/trailer only make it worse.
    private const long MaxDeflateRatio = 1032;
    private const int GzipMagic0 = 0x1F, GzipMagic1 = 0x8B;

    private readonly Stream _content;     // decompressed (or raw) content after the peeked head
    private readonly Stream _owned;       // what Dispose closes (null when the caller keeps it open)
    private readonly bool _leaveOpen;
    private readonly byte[] _head = new byte[HeadCapacity];
    private readonly int _headLength;
    private int _headPosition;

    /// <summary>File name or description used in error messages.</summary>
    public string Source { get; }

    /// <summary>Whether the content is gzip-compressed.</summary>
    public bool Compressed { get; }

    /// <summary>Content bytes handed out so far.</summary>
    public long Consumed { get; private set; }

    /// <summary>Exact content length (uncompressed seekable sources), else null.</summary>
    public long? ExactLength { get; }

    /// <summary>Upper bound of the content length (gzip files), else null.</summary>
    public long? MaxLength { get; }

    /// <summary>The gzip trailer's length field (content length mod 2^32); a hint only, it can lie.</summary>
    public uint? LengthHint { get; }

    /// <summary>The first content bytes (fewer when the content is shorter); reading starts with them.</summary>
    public ReadOnlySpan<byte> Head => _head.AsSpan(0, _headLength);

    /// <summary>Whether the content is empty.</summary>
    public bool IsEmpty => _headLength == 0;

    private DataStream(string source, Stream content, Stream owned, bool leaveOpen, bool compressed,
        long? exactLength, long? maxLength, uint? lengthHint)
    {
        Source = source; _content = content; _owned = owned; _leaveOpen = leaveOpen; Compressed = compressed;
        ExactLength = exactLength; MaxLength = maxLength; LengthHint = lengthHint;
        try
        {
            _headLength = content.ReadAtLeast(_head, HeadCapacity, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw Corrupt(e);
        }
    }

    /// <summary>Opens a file; a missing file is a <see cref="FileNotFoundException"/> naming the path.</summary>
    public static DataStream OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Data file '{path}' does not exist (working directory: '{Environment.CurrentDirectory}').", path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        try
        {
            return Create(file, path, leaveOpen: false);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Wraps a caller's stream (read from its current position).</summary>
    public static DataStream Create(Stream stream, string source, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("the stream is not readable.", nameof(stream));
        long? rawLength = stream.CanSeek ? stream.Length - stream.Position : null;
        if (rawLength == 0) throw new DataFormatException(source, "the file is empty.");

        var magic = new byte[2];
        int n = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        if (n == 0) throw new DataFormatException(source, "the file is empty.");
        bool gzip = n == 2 && magic[0] == GzipMagic0 && magic[1] == GzipMagic1;

        Stream raw;
        uint? hint = null;
        if (stream.CanSeek)
        {
            long start = stream.Position - n;
            if (gzip && rawLength >= 18)
            {
                // ISIZE: the last four bytes of a gzip file, little-endian.
                var trailer = new byte[4];
                stream.Position = start + rawLength.Value - 4;
                stream.ReadExactly(trailer);
                hint = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
            }
            stream.Position = start;
            raw = stream;
        }
        else
        {
            raw = new PrefixStream(magic, n, stream);
        }

        if (!gzip)
            return new DataStream(source, raw, stream, leaveOpen, compressed: false, rawLength, null, null);
        var unzip = new GZipStream(raw, CompressionMode.Decompress, leaveOpen: true);
        long? max = rawLength is long r ? r * MaxDeflateRatio + 1024 : null;
        return new DataStream(source, unzip, stream, leaveOpen, compressed: true, null, max, hint);
    }

    /// <summary>
    /// Checks that <paramref name="bytes"/> more content bytes can exist before anything is allocated for them.
    /// </summary>
    /// <param name="bytes">Bytes the header declares.</param>
    /// <param name="what">What they are, for the message ("10000 x 784 uint8 values").</param>
    public void EnsureAvailable(long bytes, string what)
    {
        if (ExactLength is long exact && bytes > exact - Consumed)
            throw new DataFormatException(Source,
                $"the header declares {what} ({bytes:N0} bytes) but only {exact - Consumed:N0} bytes follow it: the file is truncated or its header is wrong.");
        if (MaxLength is long max && bytes > max - Consumed)
            throw new DataFormatException(Source,
                $"the header declares {what} ({bytes:N0} bytes), more than this gzip file can possibly hold: its header is wrong.");
    }

    /// <summary>
    /// How many elements to allocate up front for <paramref name="count"/> declared elements: all of them when the
    /// length is known (or the gzip trailer agrees with the header), else a modest first block that grows only
    /// as data actually arrive.
    /// </summary>
    public long InitialCapacity(long count, long bytes)
    {
        const long FirstBlock = 1 << 20;
        if (ExactLength is not null) return count;
        if (LengthHint is uint hint && (uint)((Consumed + bytes) & 0xFFFF_FFFF) == hint) return count;
        return Math.Min(count, FirstBlock);
    }

    /// <summary>Requires the content to end here (trailing bytes mean the header understated the data).</summary>
    public void ExpectEnd(string what)
    {
        long extra;
        if (ExactLength is long exact) extra = exact - Consumed;
        else
        {
            Span<byte> one = stackalloc byte[1];
            extra = Read(one);
        }
        if (extra > 0)
            throw new DataFormatException(Source,
                $"there are {(ExactLength is null ? "more" : extra.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))} bytes after the {what} the header declares: the header is wrong or the file holds something else.");
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes or fails naming what was being read.</summary>
    public void ReadExactly(Span<byte> buffer, string what)
    {
        int got = ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (got < buffer.Length)
            throw new DataFormatException(Source, $"the file ends inside the {what} (after {Consumed:N0} bytes): it is truncated.");
    }

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        int total = 0;
        if (_headPosition < _headLength && buffer.Length > 0)
        {
            int n = Math.Min(buffer.Length, _headLength - _headPosition);
            _head.AsSpan(_headPosition, n).CopyTo(buffer);
            _headPosition += n;
            total = n;
            buffer = buffer[n..];
        }
        if (buffer.Length > 0 && _headPosition == _headLength && _headLength == HeadCapacity)
        {
            try
            {
                total += _content.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw Corrupt(e);
            }
        }
        Consumed += total;
        return total;
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    private DataFormatException Corrupt(Exception e) =>
        new(Source, $"the gzip-compressed data are corrupt ({e.Message}).", e);

    /// <inheritdoc/>
    public override bool CanRead => true;
    /// <inheritdoc/>
    public override bool CanSeek => false;
    /// <inheritdoc/>
    public override bool CanWrite => false;
    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc/>
    public override long Position { get => Consumed; set => throw new NotSupportedException(); }
    /// <inheritdoc/>
    public override void Flush() { }
    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!ReferenceEquals(_content, _owned) && _content is not PrefixStream) _content.Dispose();
            if (!_leaveOpen) _owned.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>Replays a few already-read bytes, then continues with the inner stream (non-seekable input).</summary>
    private sealed class PrefixStream(byte[] prefix, int length, Stream inner) : Stream
    {
        private int _position;

        public override int Read(Span<byte> buffer)
        {
            if (_position < length)
            {
                int n = Math.Min(buffer.Length, length - _position);
                prefix.AsSpan(_position, n).CopyTo(buffer);
                _position += n;
                return n;
            }
            return inner.Read(buffer);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
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
}
