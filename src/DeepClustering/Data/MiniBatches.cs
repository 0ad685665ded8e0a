using DeepClustering.Core;
using static TorchSharp.torch;

namespace DeepClustering.Data;

/// <summary>
/// Mini-batch iteration over an N x ... tensor that is already on the compute device (rows along the first
/// dimension).
/// </summary>
/// <remarks>
/// Ownership: every tensor yielded is new and belongs to the caller, like any tensor a TorchSharp operation
/// returns: it joins the dispose scope that is current when the enumerator moves to it (if any). Dispose it,
/// or open a <c>torch.NewDisposeScope()</c> per batch inside the loop. The permutation behind
/// <see cref="Shuffled"/> is owned by the enumerator (outside every dispose scope) and freed when the loop
/// ends, so a scope opened per batch does not break the iteration. The input tensor is never modified.
/// </remarks>
/// <example>
/// <code>
/// foreach (var (batch, indices) in MiniBatches.Shuffled(x, 256, random))
/// {
///     using var scope = torch.NewDisposeScope();
///     scope.Attach(batch, indices); // or: using (batch) using (indices) { ... }
///     var loss = model.forward(batch) ...
/// }
/// </code>
/// </example>
public static class MiniBatches
{
    /// <summary>
    /// Yields the rows in a random order, <paramref name="batchSize"/> at a time: every row appears exactly once
    /// per pass (except the short last batch when <paramref name="dropLast"/> is true). The order comes from
    /// <paramref name="random"/>'s generator, so the same seed gives the same batches.
    /// </summary>
    /// <param name="data">The rows (any dtype, any device); not modified.</param>
    /// <param name="batchSize">Rows per batch, ≥ 1.</param>
    /// <param name="random">The fit's random source; one permutation is drawn per call.</param>
    /// <param name="dropLast">Whether to skip a last batch shorter than <paramref name="batchSize"/>.</param>
    /// <returns>
    /// Pairs of (batch, indices): batch is a copy of the selected rows (gathered with <c>index_select</c>),
    /// indices the int64 row numbers in <paramref name="data"/>, both on the device of <paramref name="data"/>.
    /// </returns>
    /// <exception cref="ArgumentException"><paramref name="data"/> has no dimensions.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    public static IEnumerable<(Tensor Batch, Tensor Indices)> Shuffled(Tensor data, int batchSize, RandomSource random, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(random);
        if (data.dim() < 1) throw new ArgumentException("data must have at least one dimension (the rows).", nameof(data));
        OptionCheck.InRange(nameof(batchSize), batchSize, 1);
        return ShuffledIterator(data, batchSize, random, dropLast);
    }

    /// <summary>
    /// Yields consecutive blocks of <paramref name="chunkRows"/> rows (the last may be shorter), in order, for
    /// chunked passes such as an E-step over the whole data. The chunks are <b>views</b> that share memory with
    /// <paramref name="data"/> (no copy): do not modify them in place; disposing a chunk does not free the data.
    /// </summary>
    /// <param name="data">The rows; not modified.</param>
    /// <param name="chunkRows">Rows per chunk, ≥ 1.</param>
    /// <exception cref="ArgumentException"><paramref name="data"/> has no dimensions.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkRows"/> is less than 1.</exception>
    public static IEnumerable<Tensor> Sequential(Tensor data, int chunkRows)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.dim() < 1) throw new ArgumentException("data must have at least one dimension (the rows).", nameof(data));
        OptionCheck.InRange(nameof(chunkRows), chunkRows, 1);
        return SequentialIterator(data, chunkRows);
    }

    /// <summary>Number of batches <see cref="Shuffled"/> yields for <paramref name="rows"/> rows.</summary>
    public static long BatchCount(long rows, int batchSize, bool dropLast = false)
    {
        OptionCheck.InRange(nameof(batchSize), batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        return dropLast ? rows / batchSize : (rows + batchSize - 1) / batchSize;
    }

    private static IEnumerable<(Tensor, Tensor)> ShuffledIterator(Tensor data, int batchSize, RandomSource random, bool dropLast)
    {
        long n = data.shape[0];
        // The permutation must outlive any scope the caller opens around one batch.
        using var permutation = random.Permutation(n, data.device).DetachFromDisposeScope();
        for (long start = 0; start < n; start += batchSize)
        {
            long count = Math.Min(batchSize, n - start);
            if (dropLast && count < batchSize) yield break;
            var indices = permutation.narrow(0, start, count);
            var batch = data.index_select(0, indices);
            yield return (batch, indices);
        }
    }

    private static IEnumerable<Tensor> SequentialIterator(Tensor data, int chunkRows)
    {
        long n = data.shape[0];
        for (long start = 0; start < n; start += chunkRows)
            yield return data.narrow(0, start, Math.Min(chunkRows, n - start));
    }
}
