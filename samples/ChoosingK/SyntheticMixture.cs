using DeepClustering.Data;

namespace ChoosingK;

/// <summary>
/// Reproducible synthetic Gaussian mixtures for choosing K: K centres drawn uniformly in [−10, 10]^D at least
/// <c>separation</c> apart, each with a random covariance (per-axis standard deviations in [0.6, 1.2] and a
/// random rotation in the first two axes), and between 100 and 250 rows per component.
/// </summary>
internal static class SyntheticMixture
{
    public static Dataset Create(int clusters, int seed, int dimensions = 2, double separation = 6.0)
    {
        var rng = new Random(seed);
        var centers = new List<double[]>();
        for (int attempt = 0; centers.Count < clusters; attempt++)
        {
            if (attempt > 100_000) throw new InvalidOperationException("could not place the centres; lower the separation.");
            var c = Enumerable.Range(0, dimensions).Select(_ => rng.NextDouble() * 20 - 10).ToArray();
            if (centers.All(o => Distance(o, c) >= separation)) centers.Add(c);
        }
        var rows = new List<float[]>();
        var labels = new List<int>();
        for (int k = 0; k < clusters; k++)
        {
            int n = 100 + rng.Next(151);
            var sd = Enumerable.Range(0, dimensions).Select(_ => 0.6 + 0.6 * rng.NextDouble()).ToArray();
            double angle = rng.NextDouble() * Math.PI, cos = Math.Cos(angle), sin = Math.Sin(angle);
            for (int i = 0; i < n; i++)
            {
                var z = sd.Select(s => s * Normal(rng)).ToArray();
                if (dimensions >= 2) (z[0], z[1]) = (cos * z[0] - sin * z[1], sin * z[0] + cos * z[1]);
                rows.Add(z.Select((v, j) => (float)(centers[k][j] + v)).ToArray());
                labels.Add(k);
            }
        }
        // Shuffle so that no algorithm sees the rows grouped by component.
        var order = Enumerable.Range(0, rows.Count).OrderBy(_ => rng.Next()).ToArray();
        return Dataset.FromRows(order.Select(i => rows[i]).ToArray(), order.Select(i => labels[i]).ToArray(), $"synthetic-{clusters}");
    }

    private static double Distance(double[] a, double[] b) => Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum());

    private static double Normal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
