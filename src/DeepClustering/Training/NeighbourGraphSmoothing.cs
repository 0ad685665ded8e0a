using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>
/// Smoothing of codes over their k-nearest-neighbour graph, a start for clustering that follows the data's manifold.
/// Each step moves every code halfway to the mean of its k nearest neighbours' codes, z ← ½(z + P z) with P the
/// row-normalised (directed) kNN graph: a lazy random walk on the graph, which is the power iteration of Lin and Cohen's
/// power iteration clustering (ICML 2010) run on the codes themselves instead of a random vector. Codes inside one
/// well-connected cluster contract towards each other faster than codes of different clusters, so k-means on the
/// smoothed codes separates clusters that are connected chains rather than round blobs (the clusters of autoencoder codes
/// of handwritten digits are such chains). The graph is built once on the unsmoothed codes, by exact search in chunks.
/// </summary>
internal static class NeighbourGraphSmoothing
{
    /// <summary>Rows of the distance matrix computed at a time: 4096 x N doubles, 330 MB at N = 1e7.</summary>
    internal const long DefaultChunkRows = 4096;

    /// <summary>
    /// Indices (int64, N x <paramref name="neighbours"/>) of each row's nearest other rows of <paramref name="codes"/>
    /// (N x d) in Euclidean distance, nearest first; a row is never its own neighbour.
    /// </summary>
    public static Tensor NearestNeighbours(Tensor codes, int neighbours, CancellationToken cancellationToken = default,
        long chunkRows = DefaultChunkRows)
    {
        long n = codes.shape[0];
        if (neighbours < 1 || neighbours >= n)
            throw new ArgumentOutOfRangeException(nameof(neighbours), neighbours, $"needs 1 ≤ neighbours < rows ({n}).");
        using var outer = NewDisposeScope();
        var z = codes.to(ScalarType.Float64);
        var squaredNorms = z.square().sum(dim: 1);
        var chunks = new List<Tensor>();
        for (long start = 0; start < n; start += chunkRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long rows = Math.Min(chunkRows, n - start);
            using var scope = NewDisposeScope();
            var block = z.narrow(0, start, rows);
            var distances = squaredNorms.narrow(0, start, rows).unsqueeze(1) + squaredNorms.unsqueeze(0) - 2 * block.matmul(z.t());
            // A row's distance to itself is 0 up to rounding; exclude it explicitly.
            var self = arange(start, start + rows, dtype: ScalarType.Int64, device: z.device).unsqueeze(1);
            distances.scatter_(1, self, full(rows, 1, double.PositiveInfinity, dtype: ScalarType.Float64, device: z.device));
            var (_, indices) = distances.topk(neighbours, dim: 1, largest: false, sorted: true);
            chunks.Add(indices.MoveToOuterDisposeScope());
        }
        return cat(chunks, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <paramref name="steps"/> lazy random-walk steps z ← ½(z + mean of the neighbours' z) of <paramref name="codes"/>
    /// (N x d) over the graph <paramref name="neighbours"/> (from <see cref="NearestNeighbours"/>). Returns a new tensor
    /// in the codes' dtype; the input is not changed.
    /// </summary>
    public static Tensor Smooth(Tensor codes, Tensor neighbours, int steps, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        long n = codes.shape[0], k = neighbours.shape[1], d = codes.shape[1];
        var flat = neighbours.reshape(-1);
        var z = codes.to(ScalarType.Float64).clone();
        for (int step = 0; step < steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var neighbourMean = z.index_select(0, flat).view(n, k, d).mean(new long[] { 1 });
            var next = z.add(neighbourMean).mul_(0.5).MoveToOuterDisposeScope();
            z.Dispose();
            z = next;
        }
        using (z) return z.to(codes.dtype);
    }
}
