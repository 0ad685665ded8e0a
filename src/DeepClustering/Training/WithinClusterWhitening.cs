using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>The outcome of <see cref="WithinClusterWhitening.Refine"/>: the partition and the metric it was found in.</summary>
/// <param name="Labels">Hard labels (int64, N) of the last k-means run.</param>
/// <param name="Whiten">d x d matrix A with which the codes' pooled within-cluster covariance becomes the identity: cov(z A) = I.</param>
/// <param name="Unwhiten">The inverse of <paramref name="Whiten"/>.</param>
/// <param name="Rounds">Rounds run (fewer than asked when the partition stopped changing).</param>
internal sealed record WhitenedPartition(Tensor Labels, Tensor Whiten, Tensor Unwhiten, int Rounds) : IDisposable
{
    public void Dispose()
    {
        Labels.Dispose();
        Whiten.Dispose();
        Unwhiten.Dispose();
    }
}

/// <summary>
/// k-means in the metric of the pooled within-cluster covariance of its own partition. Plain k-means assumes round
/// clusters of one size; on autoencoder codes the digit clusters are elongated along shared directions, and k-means
/// splits a long cluster and merges two short ones. Each round whitens the codes by the current partition's
/// within-cluster covariance W (codes · W^-1/2) and re-runs k-means with restarts there; a few rounds find a
/// partition whose clusters are round in their own metric, the hard-assignment analogue of a tied-covariance Gaussian
/// mixture (the alternation of Ding and Li's LDA-k-means, ICML 2007, without its projection to K − 1 dimensions).
/// </summary>
internal static class WithinClusterWhitening
{
    /// <summary>Relative ridge added to W (times its mean eigenvalue) so that a flat direction has a finite inverse.</summary>
    private const double Ridge = 1e-6;

    /// <summary>
    /// The symmetric whitening W^-1/2 and its inverse W^1/2 (in the codes' dtype, on their device) of the pooled
    /// within-cluster covariance W of <paramref name="codes"/> (N x d) under <paramref name="labels"/> (int64, N).
    /// </summary>
    public static (Tensor Whiten, Tensor Unwhiten) Transform(Tensor codes, Tensor labels, int clusters)
    {
        using var scope = NewDisposeScope();
        var z = codes.to(ScalarType.Float64);
        var r = nn.functional.one_hot(labels.to(ScalarType.Int64), clusters).to(ScalarType.Float64);
        var residual = z - r.matmul(DeepTensors.ClusterMeans(z, r));
        var within = residual.t().matmul(residual).div(z.shape[0]);
        long d = within.shape[0];
        double level = within.trace().item<double>() / d;
        within = within + eye(d, dtype: ScalarType.Float64, device: z.device).mul(Ridge * Math.Max(level, 1e-30));
        var (values, vectors) = linalg.eigh(within);
        var root = values.clamp_min(1e-30).sqrt();
        var whiten = vectors.mul(root.reciprocal().unsqueeze(0)).matmul(vectors.t());
        var unwhiten = vectors.mul(root.unsqueeze(0)).matmul(vectors.t());
        return (whiten.to(codes.dtype).MoveToOuterDisposeScope(), unwhiten.to(codes.dtype).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Runs up to <paramref name="rounds"/> rounds of whitening by the current partition and k-means
    /// (<paramref name="restarts"/> restarts) on the whitened codes, starting from <paramref name="labels"/>, and stops
    /// early once a round leaves the partition unchanged. The caller disposes the result.
    /// </summary>
    public static WhitenedPartition Refine(Tensor codes, Tensor labels, int clusters, int rounds, int restarts, int seed,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var current = labels.to(ScalarType.Int64).clone();
        var (whiten, unwhiten) = Transform(codes, current, clusters);
        var centred = codes.sub(codes.mean(new long[] { 0 }, keepdim: true));
        try
        {
            int round = 0;
            while (round < rounds)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Tensor next;
                using (var whitened = centred.matmul(whiten))
                    next = LatentClustering.KMeansLabels(whitened, clusters, restarts, seed + round, cancellationToken);
                round++;
                bool unchanged = SamePartition(current, next, clusters);
                current.Dispose();
                current = next;
                whiten.Dispose();
                unwhiten.Dispose();
                (whiten, unwhiten) = Transform(codes, current, clusters);
                if (unchanged) break;
            }
            return new WhitenedPartition(current, whiten, unwhiten, round);
        }
        catch
        {
            current.Dispose();
            whiten.Dispose();
            unwhiten.Dispose();
            throw;
        }
        finally
        {
            centred.Dispose();
        }
    }

    /// <summary>Whether two labelings are the same partition up to a renaming of the clusters.</summary>
    private static bool SamePartition(Tensor a, Tensor b, int clusters)
    {
        using var scope = NewDisposeScope();
        var pairs = a.mul(clusters).add(b).bincount(null, clusters * clusters).reshape(clusters, clusters);
        // Same partition: every non-empty row and column of the contingency table has exactly one non-zero cell.
        var nonZero = pairs.gt(0);
        return nonZero.sum(dim: 0).le(1).all().item<bool>() && nonZero.sum(dim: 1).le(1).all().item<bool>();
    }
}
