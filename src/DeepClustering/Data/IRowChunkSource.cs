namespace DeepClustering.Data;

/// <summary>
/// Rows that are read in chunks, for data larger than memory (a streaming mixture fit reads the source once
/// per EM iteration). Implementations: <see cref="NpyChunkSource"/> (a .npy file, read from disk on every
/// pass) and <see cref="InMemoryChunkSource"/> (a <see cref="Dataset"/>, also via
/// <see cref="Dataset.AsChunkSource"/>).
/// </summary>
public interface IRowChunkSource
{
    /// <summary>Values per row.</summary>
    int Columns { get; }

    /// <summary>Total number of rows.</summary>
    long Rows { get; }

    /// <summary>A short name for reports and error messages.</summary>
    string Name { get; }

    /// <summary>
    /// Reads all rows in order, <paramref name="chunkRows"/> at a time (the last chunk may be shorter). The
    /// sequence is re-enumerable: every enumeration reads the source again from the start. Each chunk is a new
    /// <see cref="Dataset"/> that the caller may keep or drop.
    /// </summary>
    /// <param name="chunkRows">Rows per chunk, ≥ 1.</param>
    /// <param name="cancellationToken">Checked before every chunk.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkRows"/> is less than 1 or a chunk would not fit in one array.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="DataFormatException">The underlying file turned out to be bad while it was read.</exception>
    IEnumerable<Dataset> ReadChunks(int chunkRows, CancellationToken cancellationToken = default);
}
