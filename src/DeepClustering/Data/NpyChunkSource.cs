namespace DeepClustering.Data;

/// <summary>
/// A .npy file read in row chunks without loading it whole: every pass of <see cref="ReadChunks"/> opens the
/// file, reads it front to back and closes it, so peak memory is one chunk (plus a 64 KiB read buffer). Rows may
/// number more than 2^31. Dtypes, shapes and image layouts are those of <see cref="NpyReader"/>; gzip-compressed
/// files work too (decompressed on the fly on every pass).
/// </summary>
/// <remarks>
/// The constructor reads and checks the header and, for an uncompressed file, that the file length matches
/// it; NaN or infinite values are only found when the chunk holding them is read, and raise a
/// <see cref="DataFormatException"/> naming the row then. If the file changes between passes the next pass
/// fails with a <see cref="DataFormatException"/>.
/// </remarks>
public sealed class NpyChunkSource : IRowChunkSource
{
    private readonly int[]? _labels;
    private readonly ArrayLayout _layout;

    /// <summary>The file being read.</summary>
    public string Path { get; }

    /// <summary>The file's header.</summary>
    public NpyHeader Header { get; }

    /// <inheritdoc/>
    public int Columns => _layout.Columns;

    /// <inheritdoc/>
    public long Rows => _layout.Rows;

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Image shape of a row, when the array looks like images.</summary>
    public ImageShape? Image => _layout.Image;

    /// <summary>Opens <paramref name="path"/> and checks its header.</summary>
    /// <param name="path">A .npy file (raw or gzip-compressed).</param>
    /// <param name="labels">Optional labels, one per row (they are small enough to keep in memory); chunks carry their slice.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The header is invalid or disagrees with the file length.</exception>
    /// <exception cref="ArgumentException"><paramref name="labels"/> does not have one entry per row.</exception>
    public NpyChunkSource(string path, IReadOnlyList<int>? labels = null)
    {
        using var stream = DataStream.OpenFile(path);
        Path = path;
        Name = System.IO.Path.GetFileName(path);
        Header = NpyHeader.Read(stream);
        _layout = ArrayLayout.FromShape(stream.Source, Header.Shape, wholeInMemory: false);
        long bytes = checked(_layout.Rows * _layout.Columns * BinaryElements.Size(Header.Kind));
        string what = NpyReader.Describe(_layout, Header);
        stream.EnsureAvailable(bytes, what);
        if (stream.ExactLength is long exact && exact - stream.Consumed != bytes)
            throw new DataFormatException(stream.Source,
                $"there are {exact - stream.Consumed - bytes:N0} bytes after the {what} the header declares: the header is wrong or the file holds something else.");
        if (labels is not null)
        {
            if (labels.Count != Rows)
                throw new ArgumentException($"labels has {labels.Count} entries but '{path}' has {Rows} rows.", nameof(labels));
            _labels = labels.ToArray();
        }
    }

    /// <inheritdoc/>
    public IEnumerable<Dataset> ReadChunks(int chunkRows, CancellationToken cancellationToken = default)
    {
        ChunkCheck.RowsPerChunk(chunkRows, Columns);
        return Iterate(chunkRows, cancellationToken);
    }

    private IEnumerable<Dataset> Iterate(int chunkRows, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var stream = DataStream.OpenFile(Path);
        var header = NpyHeader.Read(stream);
        if (header.DType != Header.DType || header.FortranOrder != Header.FortranOrder || !header.Shape.SequenceEqual(Header.Shape) || header.DataOffset != Header.DataOffset)
            throw new DataFormatException(stream.Source, "the file has changed since this chunk source opened it (its header is different).");
        string what = NpyReader.Describe(_layout, Header);
        var convert = BinaryElements.ToFloat(Header.Kind, bigEndian: false);
        long total = Rows * Columns;
        for (long row = 0; row < Rows; row += chunkRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = (int)Math.Min(chunkRows, Rows - row);
            var values = new float[n * Columns];
            BinaryElements.ReadInto(stream, values.AsSpan(), row * Columns, total, Header.Kind, convert, what);
            _layout.FinishRows(stream.Source, values, row);
            int[]? labels = _labels?.AsSpan((int)row, n).ToArray();
            yield return Dataset.Wrap(values, n, Columns, labels, Name, Image);
        }
        stream.ExpectEnd(what);
    }
}
