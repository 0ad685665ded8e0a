namespace DeepClustering.Data;

/// <summary>
/// An <see cref="IRowChunkSource"/> over a <see cref="Dataset"/> already in memory (see also
/// <see cref="Dataset.AsChunkSource"/>). Chunks are copies of consecutive rows and carry the labels and image
/// shape of the dataset.
/// </summary>
public sealed class InMemoryChunkSource : IRowChunkSource
{
    /// <summary>The wrapped dataset.</summary>
    public Dataset Dataset { get; }

    /// <summary>Wraps <paramref name="dataset"/>.</summary>
    public InMemoryChunkSource(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Dataset = dataset;
    }

    /// <inheritdoc/>
    public int Columns => Dataset.Columns;

    /// <inheritdoc/>
    public long Rows => Dataset.Rows;

    /// <inheritdoc/>
    public string Name => Dataset.Name;

    /// <inheritdoc/>
    public IEnumerable<Dataset> ReadChunks(int chunkRows, CancellationToken cancellationToken = default)
    {
        ChunkCheck.RowsPerChunk(chunkRows, Columns);
        return Iterate(chunkRows, cancellationToken);
    }

    private IEnumerable<Dataset> Iterate(int chunkRows, CancellationToken cancellationToken)
    {
        for (int start = 0; start < Dataset.Rows; start += chunkRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Dataset.Slice(start, Math.Min(chunkRows, Dataset.Rows - start));
        }
    }
}

/// <summary>Argument checks shared by the chunk sources.</summary>
internal static class ChunkCheck
{
    /// <summary>Requires 1 ≤ chunkRows and a chunk that fits in one array.</summary>
    public static void RowsPerChunk(int chunkRows, int columns)
    {
        if (chunkRows < 1)
            throw new ArgumentOutOfRangeException(nameof(chunkRows), chunkRows, $"chunkRows must be ≥ 1; got {chunkRows}.");
        if ((long)chunkRows * columns > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(chunkRows), chunkRows,
                $"chunkRows x columns = {(long)chunkRows * columns:N0} values exceeds the {Array.MaxLength:N0} one chunk can hold; use at most {Array.MaxLength / columns:N0} rows per chunk.");
    }
}
