using DeepClustering.Data;

namespace DeepClustering.Tests.Mixtures;

/// <summary>Small reproducible synthetic data for the EM tests (managed RNG, no TorchSharp).</summary>
internal static class MixtureTestData
{
    /// <summary>Isotropic Gaussian blobs: <paramref name="perCluster"/> rows around each centre, labels 0..K-1.</summary>
    public static Dataset Blobs(double[][] centers, int perCluster, double std, int seed, double shift = 0)
    {
        var rng = new Random(seed);
        int d = centers[0].Length, n = centers.Length * perCluster;
        var values = new float[n * d];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            int k = i % centers.Length;
            labels[i] = k;
            for (int j = 0; j < d; j++) values[i * d + j] = (float)(centers[k][j] + std * Normal(rng) + shift);
        }
        return Dataset.FromValues(values, n, d, labels, "blobs");
    }

    /// <summary>Three well-separated blobs in 2-D.</summary>
    public static Dataset ThreeBlobs(int perCluster = 40, int seed = 1, double shift = 0) =>
        Blobs(new[] { new[] { 0.0, 0.0 }, new[] { 8.0, 0.0 }, new[] { 0.0, 8.0 } }, perCluster, 1.0, seed, shift);

    /// <summary>Samples from a mixture with per-component full covariances given by Cholesky factors L_k (Σ = L Lᵀ).</summary>
    public static Dataset Mixture(double[] weights, double[][] means, double[][,] choleskyFactors, int n, int seed)
    {
        var rng = new Random(seed);
        int d = means[0].Length;
        var values = new float[n * d];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            double u = rng.NextDouble(), acc = 0;
            int k = 0;
            for (; k < weights.Length - 1; k++) { acc += weights[k]; if (u < acc) break; }
            labels[i] = k;
            var z = Enumerable.Range(0, d).Select(_ => Normal(rng)).ToArray();
            for (int a = 0; a < d; a++)
            {
                double v = means[k][a];
                for (int b = 0; b <= a; b++) v += choleskyFactors[k][a, b] * z[b];
                values[i * d + a] = (float)v;
            }
        }
        return Dataset.FromValues(values, n, d, labels, "mixture");
    }

    public static double Normal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Fraction of rows whose predicted cluster maps to the true one under the best one-to-one matching (brute force, K ≤ 6).</summary>
    public static double MatchedAccuracy(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, int k)
    {
        var counts = new int[k, k];
        for (int i = 0; i < truth.Count; i++) counts[predicted[i], truth[i]]++;
        int best = 0;
        foreach (var perm in Permutations(Enumerable.Range(0, k).ToArray()))
            best = Math.Max(best, Enumerable.Range(0, k).Sum(p => counts[p, perm[p]]));
        return best / (double)truth.Count;
    }

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1) { yield return items; yield break; }
        for (int i = 0; i < items.Length; i++)
            foreach (var rest in Permutations(items.Where((_, j) => j != i).ToArray()))
                yield return new[] { items[i] }.Concat(rest).ToArray();
    }
}
