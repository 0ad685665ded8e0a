using System.Numerics;

namespace DeepClustering.Cli.Plots;

/// <summary>A 2-D view of N × D points for plotting, with axis titles.</summary>
internal sealed record Projection(double[] X, double[] Y, string XLabel, string YLabel);

/// <summary>
/// Projects points to 2-D for scatter plots: the first two principal components when D &gt; 2, computed by
/// subspace (block power) iteration on the centred data, so no D × D covariance is ever formed. Plots only
/// need a faithful picture, not LAPACK precision; the result is deterministic for the same input.
/// </summary>
internal static class PcaProjection
{
    private const int MaxIterations = 500;
    private const double Tolerance = 1e-8; // 1 − |cos| of the subspace angle: far below what a plot can show

    /// <summary>
    /// Up to <paramref name="max"/> row indices out of <paramref name="count"/>, in increasing order: all rows when
    /// there are few, otherwise a fixed-seed uniform sample (unlike a stride, not fooled by data sorted by class).
    /// </summary>
    public static int[] Subsample(int count, int max)
    {
        if (count <= max)
            return Enumerable.Range(0, count).ToArray();
        var rng = new Random(20240601);
        var all = Enumerable.Range(0, count).ToArray();
        for (int i = 0; i < max; i++)
        {
            int j = rng.Next(i, count);
            (all[i], all[j]) = (all[j], all[i]);
        }
        var kept = all[..max];
        Array.Sort(kept);
        return kept;
    }

    /// <summary>Projects the given rows of <paramref name="points"/> (N × D) to 2-D.</summary>
    public static Projection Project(float[,] points, int[] rows) => Project(new PlotRows(points), rows);

    /// <summary>Projects the given rows of <paramref name="data"/> (N × D, D ≥ 1) to 2-D.</summary>
    public static Projection Project(PlotRows data, int[] rows)
    {
        int m = rows.Length, d = data.Columns;
        if (d == 1)
            return new Projection(rows.Select(r => (double)data[r][0]).ToArray(), new double[m], "x1", "");
        if (d == 2)
        {
            return new Projection(rows.Select(r => (double)data[r][0]).ToArray(),
                                  rows.Select(r => (double)data[r][1]).ToArray(), "x1", "x2");
        }

        // Centred copy in doubles, row-major.
        var x = new double[m * d];
        var mean = new double[d];
        foreach (int r in rows)
        {
            var row = data[r];
            for (int j = 0; j < d; j++)
                mean[j] += row[j];
        }
        for (int j = 0; j < d; j++)
            mean[j] /= m;
        double total = 0;
        for (int i = 0; i < m; i++)
        {
            var row = data[rows[i]];
            for (int j = 0; j < d; j++)
            {
                double v = row[j] - mean[j];
                x[i * d + j] = v;
                total += v * v;
            }
        }

        var q1 = new double[d];
        var q2 = new double[d];
        var rng = new Random(7);
        for (int j = 0; j < d; j++)
        {
            q1[j] = rng.NextDouble() - 0.5;
            q2[j] = rng.NextDouble() - 0.5;
        }
        Orthonormalise(q1, q2);

        var z1 = new double[d];
        var z2 = new double[d];
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            Covariance(x, m, d, q1, q2, z1, z2);
            Orthonormalise(z1, z2);
            // Converged when the new basis spans the old one: |det(Q_old^T Q_new)| → 1.
            double det = Math.Abs(Dot(q1, z1) * Dot(q2, z2) - Dot(q1, z2) * Dot(q2, z1));
            (q1, z1) = (z1, q1);
            (q2, z2) = (z2, q2);
            if (1 - det < Tolerance)
                break;
        }

        // Rayleigh-Ritz on the 2-D subspace to order and separate the two components exactly.
        Covariance(x, m, d, q1, q2, z1, z2);
        double a = Dot(q1, z1), b = Dot(q1, z2), c = Dot(q2, z2);
        double theta = 0.5 * Math.Atan2(2 * b, a - c);
        double cos = Math.Cos(theta), sin = Math.Sin(theta);
        var p1 = new double[d];
        var p2 = new double[d];
        for (int j = 0; j < d; j++)
        {
            p1[j] = cos * q1[j] + sin * q2[j];
            p2[j] = -sin * q1[j] + cos * q2[j];
        }
        double lambda1 = cos * cos * a + 2 * sin * cos * b + sin * sin * c;
        double lambda2 = sin * sin * a - 2 * sin * cos * b + cos * cos * c;
        if (lambda2 > lambda1)
        {
            (p1, p2) = (p2, p1);
            (lambda1, lambda2) = (lambda2, lambda1);
        }
        FixSign(p1);
        FixSign(p2);

        var px = new double[m];
        var py = new double[m];
        for (int i = 0; i < m; i++)
        {
            double s1 = 0, s2 = 0;
            for (int j = 0; j < d; j++)
            {
                double v = x[i * d + j];
                s1 += v * p1[j];
                s2 += v * p2[j];
            }
            px[i] = s1;
            py[i] = s2;
        }
        return new Projection(px, py, AxisTitle(1, lambda1, total), AxisTitle(2, lambda2, total));
    }

    private static string AxisTitle(int component, double explained, double total)
        => total > 0
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"PC{component} ({100 * explained / total:0.#}% of variance)")
            : $"PC{component}";

    // z_k = Xᵀ X q_k (the scatter matrix times q_k; the 1/(m−1) factor does not matter). SIMD because this is
    // the whole cost: about 4·m·d flops per iteration.
    private static void Covariance(double[] x, int m, int d, double[] q1, double[] q2, double[] z1, double[] z2)
    {
        Array.Clear(z1);
        Array.Clear(z2);
        for (int i = 0; i < m; i++)
        {
            var row = new ReadOnlySpan<double>(x, i * d, d);
            double s1 = Dot(row, q1), s2 = Dot(row, q2);
            AddScaled(z1, s1, row);
            AddScaled(z2, s2, row);
        }
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int width = Vector<double>.Count, j = 0;
        var sum = Vector<double>.Zero;
        for (; j <= a.Length - width; j += width)
            sum += new Vector<double>(a[j..]) * new Vector<double>(b[j..]);
        double s = Vector.Sum(sum);
        for (; j < a.Length; j++)
            s += a[j] * b[j];
        return s;
    }

    private static void AddScaled(Span<double> target, double scale, ReadOnlySpan<double> source)
    {
        int width = Vector<double>.Count, j = 0;
        var factor = new Vector<double>(scale);
        for (; j <= target.Length - width; j += width)
            (new Vector<double>(target[j..]) + factor * new Vector<double>(source[j..])).CopyTo(target[j..]);
        for (; j < target.Length; j++)
            target[j] += scale * source[j];
    }

    private static void Orthonormalise(double[] v1, double[] v2)
    {
        if (!Normalise(v1))
            Basis(v1, 0);
        double p = Dot(v1, v2);
        for (int j = 0; j < v2.Length; j++)
            v2[j] -= p * v1[j];
        if (!Normalise(v2))
        {
            // Rank-one (or constant) data: any unit vector orthogonal to v1 will do.
            int smallest = 0;
            for (int j = 1; j < v1.Length; j++)
                if (Math.Abs(v1[j]) < Math.Abs(v1[smallest]))
                    smallest = j;
            Basis(v2, smallest);
            p = Dot(v1, v2);
            for (int j = 0; j < v2.Length; j++)
                v2[j] -= p * v1[j];
            Normalise(v2);
        }
    }

    private static bool Normalise(double[] v)
    {
        double norm = Math.Sqrt(Dot(v, v));
        if (!(norm > 1e-150))
            return false;
        for (int j = 0; j < v.Length; j++)
            v[j] /= norm;
        return true;
    }

    private static void Basis(double[] v, int index)
    {
        Array.Clear(v);
        v[index] = 1;
    }

    // Largest-magnitude entry positive, so the picture does not flip between runs or versions.
    private static void FixSign(double[] v)
    {
        int k = 0;
        for (int j = 1; j < v.Length; j++)
            if (Math.Abs(v[j]) > Math.Abs(v[k]))
                k = j;
        if (v[k] < 0)
            for (int j = 0; j < v.Length; j++)
                v[j] = -v[j];
    }
}
