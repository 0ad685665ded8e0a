using System.Runtime.CompilerServices;

namespace DeepClustering.Metrics;

/// <summary>
/// External clustering scores that compare a predicted labeling with the true classes: Hungarian-matched
/// accuracy, normalised and plain mutual information, adjusted Rand index and purity. Definitions and edge
/// cases follow scikit-learn (<c>sklearn.metrics.cluster</c>); natural logarithms.
/// </summary>
/// <remarks>
/// Labels are arbitrary integer ids: they need not start at 0, be contiguous or agree between the two
/// labelings (a noise label such as −1 is just another cluster). Both labelings must have the same,
/// non-zero length; otherwise an <see cref="ArgumentException"/> names the offending parameter. Each
/// method builds a <see cref="ContingencyTable"/> (O(N log N)); use <see cref="Evaluate(ReadOnlySpan{int}, ReadOnlySpan{int})"/>
/// to compute all scores from one table.
/// </remarks>
public static class ClusterScores
{
    /// <summary>numpy's <c>finfo(float64).eps</c> (2^−52); scikit-learn zeroes MI terms smaller than this.</summary>
    private const double NumpyEpsilon = 2.220446049250313e-16;

    // ---- accuracy ---------------------------------------------------------------------------------------

    /// <summary>
    /// Clustering accuracy: the fraction of points whose cluster is mapped to their class by the best
    /// one-to-one cluster → class mapping (Hungarian matching). When there are more clusters than classes,
    /// the surplus clusters map to no class and all their points count as errors.
    /// </summary>
    /// <param name="truth">True class of each point.</param>
    /// <param name="predicted">Predicted cluster of each point.</param>
    /// <returns>A value in (0, 1]; 1 means the prediction equals the truth up to renaming.</returns>
    /// <exception cref="ArgumentException">Lengths differ or are zero, or there are so many distinct labels that the classes × clusters matrix exceeds 2^26 cells.</exception>
    [OverloadResolutionPriority(1)]
    public static double Accuracy(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
        => Accuracy(ContingencyTable.Create(truth, predicted));

    /// <inheritdoc cref="Accuracy(ReadOnlySpan{int}, ReadOnlySpan{int})"/>
    public static double Accuracy(IReadOnlyList<int> truth, IReadOnlyList<int> predicted)
        => Accuracy(ContingencyTable.Create(truth, predicted));

    /// <summary>
    /// The one-to-one mapping from predicted cluster ids to true class ids that maximises the number of
    /// correctly labelled points (the mapping behind <see cref="Accuracy(ReadOnlySpan{int}, ReadOnlySpan{int})"/>).
    /// </summary>
    /// <param name="truth">True class of each point.</param>
    /// <param name="predicted">Predicted cluster of each point.</param>
    /// <returns>
    /// Predicted id → true id. Every cluster is mapped when there are at most as many clusters as classes;
    /// otherwise the surplus clusters are absent. Among equally good mappings one is chosen deterministically.
    /// </returns>
    /// <exception cref="ArgumentException">As for <see cref="Accuracy(ReadOnlySpan{int}, ReadOnlySpan{int})"/>.</exception>
    [OverloadResolutionPriority(1)]
    public static IReadOnlyDictionary<int, int> BestMapping(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
        => BestMapping(ContingencyTable.Create(truth, predicted));

    /// <inheritdoc cref="BestMapping(ReadOnlySpan{int}, ReadOnlySpan{int})"/>
    public static IReadOnlyDictionary<int, int> BestMapping(IReadOnlyList<int> truth, IReadOnlyList<int> predicted)
        => BestMapping(ContingencyTable.Create(truth, predicted));

    // ---- information-theoretic scores --------------------------------------------------------------------

    /// <summary>
    /// Normalised mutual information, MI(U, V) divided by a mean of the entropies H(U) and H(V)
    /// (scikit-learn's <c>normalized_mutual_info_score</c>). Returns 1 when both labelings have a single
    /// value, 0 when exactly one has a single value or when MI is 0.
    /// </summary>
    /// <param name="truth">True class of each point.</param>
    /// <param name="predicted">Predicted cluster of each point.</param>
    /// <param name="normalization">The mean used as denominator; arithmetic is scikit-learn's default.</param>
    /// <returns>A value in [0, 1]; symmetric in the two labelings.</returns>
    /// <exception cref="ArgumentException">Lengths differ or are zero.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="normalization"/> is not a defined value.</exception>
    [OverloadResolutionPriority(1)]
    public static double NormalizedMutualInformation(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted,
        NmiNormalization normalization = NmiNormalization.Arithmetic)
    {
        Core.OptionCheck.Defined(nameof(normalization), normalization);
        return NormalizedMutualInformation(ContingencyTable.Create(truth, predicted), normalization);
    }

    /// <inheritdoc cref="NormalizedMutualInformation(ReadOnlySpan{int}, ReadOnlySpan{int}, NmiNormalization)"/>
    public static double NormalizedMutualInformation(IReadOnlyList<int> truth, IReadOnlyList<int> predicted,
        NmiNormalization normalization = NmiNormalization.Arithmetic)
    {
        Core.OptionCheck.Defined(nameof(normalization), normalization);
        return NormalizedMutualInformation(ContingencyTable.Create(truth, predicted), normalization);
    }

    /// <summary>
    /// Mutual information in nats, Σ_ij (n_ij/N)·log(N·n_ij / (a_i·b_j)) (scikit-learn's <c>mutual_info_score</c>):
    /// 0 when either labeling has a single value; never negative.
    /// </summary>
    /// <param name="truth">True class of each point.</param>
    /// <param name="predicted">Predicted cluster of each point.</param>
    /// <returns>A value in [0, min(H(U), H(V))].</returns>
    /// <exception cref="ArgumentException">Lengths differ or are zero.</exception>
    [OverloadResolutionPriority(1)]
    public static double MutualInformation(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
        => MutualInformation(ContingencyTable.Create(truth, predicted));

    /// <inheritdoc cref="MutualInformation(ReadOnlySpan{int}, ReadOnlySpan{int})"/>
    public static double MutualInformation(IReadOnlyList<int> truth, IReadOnlyList<int> predicted)
        => MutualInformation(ContingencyTable.Create(truth, predicted));

    // ---- pair counting -------------------------------------------------------------------------------------

    /// <summary>
    /// Adjusted Rand index (Hubert and Arabie), computed like scikit-learn's <c>adjusted_rand_score</c> from the
    /// pair-confusion matrix with exact 128-bit integer products; 1 when the two partitions agree on every pair
    /// (including all-one-cluster vs all-one-cluster and singletons vs singletons).
    /// </summary>
    /// <param name="truth">True class of each point.</param>
    /// <param name="predicted">Predicted cluster of each point.</param>
    /// <returns>A value in [−0.5, 1]; about 0 for random labelings; symmetric.</returns>
    /// <exception cref="ArgumentException">Lengths differ or are zero.</exception>
    [OverloadResolutionPriority(1)]
    public static double AdjustedRandIndex(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
        => AdjustedRandIndex(ContingencyTable.Create(truth, predicted));

    /// <inheritdoc cref="AdjustedRandIndex(ReadOnlySpan{int}, ReadOnlySpan{int})"/>
    public static double AdjustedRandIndex(IReadOnlyList<int> truth, IReadOnlyList<int> predicted)
        => AdjustedRandIndex(ContingencyTable.Create(truth, predicted));

    /// <summary>
    /// Purity: each cluster votes for its majority class, (1/N)·Σ_j max_i n_ij. Not symmetric and it grows with
    /// the number of clusters (one cluster per point gives 1), so report it next to accuracy and NMI.
    /// </summary>
    /// <param name="truth">True class of each point.</param>
    /// <param name="predicted">Predicted cluster of each point.</param>
    /// <returns>A value in (0, 1].</returns>
    /// <exception cref="ArgumentException">Lengths differ or are zero.</exception>
    [OverloadResolutionPriority(1)]
    public static double Purity(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
        => Purity(ContingencyTable.Create(truth, predicted));

    /// <inheritdoc cref="Purity(ReadOnlySpan{int}, ReadOnlySpan{int})"/>
    public static double Purity(IReadOnlyList<int> truth, IReadOnlyList<int> predicted)
        => Purity(ContingencyTable.Create(truth, predicted));

    // ---- tables and reports ------------------------------------------------------------------------------

    /// <summary>
    /// The dense contingency matrix: entry [i, j] counts the points of the i-th smallest true label that were
    /// put in the j-th smallest predicted label (scikit-learn's <c>contingency_matrix</c>). Use
    /// <see cref="ContingencyTable.Create(ReadOnlySpan{int}, ReadOnlySpan{int})"/> to also get the label values.
    /// </summary>
    /// <param name="truth">True class of each point.</param>
    /// <param name="predicted">Predicted cluster of each point.</param>
    /// <returns>A classes × clusters matrix of counts summing to N.</returns>
    /// <exception cref="ArgumentException">Lengths differ or are zero, or the matrix would exceed 2^26 cells.</exception>
    [OverloadResolutionPriority(1)]
    public static long[,] ContingencyMatrix(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
        => Dense(ContingencyTable.Create(truth, predicted));

    /// <inheritdoc cref="ContingencyMatrix(ReadOnlySpan{int}, ReadOnlySpan{int})"/>
    public static long[,] ContingencyMatrix(IReadOnlyList<int> truth, IReadOnlyList<int> predicted)
        => Dense(ContingencyTable.Create(truth, predicted));

    /// <summary>Computes accuracy, NMI (arithmetic), ARI and purity from a single contingency table.</summary>
    /// <param name="truth">True class of each point.</param>
    /// <param name="predicted">Predicted cluster of each point.</param>
    /// <returns>The four scores with the numbers of distinct classes and clusters.</returns>
    /// <exception cref="ArgumentException">As for <see cref="Accuracy(ReadOnlySpan{int}, ReadOnlySpan{int})"/>.</exception>
    [OverloadResolutionPriority(1)]
    public static ClusterScoreReport Evaluate(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
        => Evaluate(ContingencyTable.Create(truth, predicted));

    /// <inheritdoc cref="Evaluate(ReadOnlySpan{int}, ReadOnlySpan{int})"/>
    public static ClusterScoreReport Evaluate(IReadOnlyList<int> truth, IReadOnlyList<int> predicted)
        => Evaluate(ContingencyTable.Create(truth, predicted));

    // ---- implementations on a table ----------------------------------------------------------------------

    internal static ClusterScoreReport Evaluate(ContingencyTable table) => new(
        Accuracy(table), NormalizedMutualInformation(table, NmiNormalization.Arithmetic),
        AdjustedRandIndex(table), Purity(table), table.Classes, table.Clusters);

    internal static double Accuracy(ContingencyTable table)
    {
        int[] clusterOfClass = Match(table);
        long correct = 0;
        for (int i = 0; i < clusterOfClass.Length; i++)
            if (clusterOfClass[i] >= 0)
                correct += table[i, clusterOfClass[i]];
        return (double)correct / table.Total;
    }

    internal static IReadOnlyDictionary<int, int> BestMapping(ContingencyTable table)
    {
        int[] clusterOfClass = Match(table);
        var mapping = new Dictionary<int, int>(table.Clusters);
        ReadOnlySpan<int> classLabels = table.ClassLabelSpan, clusterLabels = table.ClusterLabelSpan;
        for (int i = 0; i < clusterOfClass.Length; i++)
            if (clusterOfClass[i] >= 0)
                mapping[clusterLabels[clusterOfClass[i]]] = classLabels[i];
        return mapping.AsReadOnly();
    }

    /// <summary>Hungarian matching on the counts; returns the cluster index of each class, or −1.</summary>
    private static int[] Match(ContingencyTable table)
    {
        long cells = (long)table.Classes * table.Clusters;
        if (cells > ContingencyTable.MaxDenseCells)
            throw new ArgumentException(
                $"Hungarian matching needs a dense {table.Classes} × {table.Clusters} matrix ({cells} cells, limit {ContingencyTable.MaxDenseCells}); " +
                "the labelings have too many distinct values for accuracy. NMI, ARI and purity still work.", "predicted");
        var profit = new double[cells];
        ReadOnlySpan<int> rowStart = table.RowStart, cellCluster = table.CellCluster;
        ReadOnlySpan<long> cellCount = table.CellCount;
        for (int i = 0; i < table.Classes; i++)
            for (int c = rowStart[i]; c < rowStart[i + 1]; c++)
                profit[(long)i * table.Clusters + cellCluster[c]] = cellCount[c];
        return LinearAssignment.Maximize(profit, table.Classes, table.Clusters);
    }

    internal static double MutualInformation(ContingencyTable table)
    {
        if (table.Classes == 1 || table.Clusters == 1)
            return 0.0;
        // Term by term as scikit-learn writes it, so that results agree to rounding.
        double total = table.Total, logTotal = Math.Log(total);
        ReadOnlySpan<long> a = table.ClassTotalSpan, b = table.ClusterTotalSpan, count = table.CellCount;
        ReadOnlySpan<int> rowStart = table.RowStart, cellCluster = table.CellCluster;
        double mi = 0.0;
        for (int i = 0; i < table.Classes; i++)
        {
            for (int c = rowStart[i]; c < rowStart[i + 1]; c++)
            {
                double nij = count[c];
                double p = nij / total;
                double logOuter = -Math.Log((double)(a[i] * b[cellCluster[c]])) + logTotal + logTotal;
                double term = p * (Math.Log(nij) - logTotal) + p * logOuter;
                if (Math.Abs(term) < NumpyEpsilon)
                    term = 0.0;
                mi += term;
            }
        }
        return Math.Max(mi, 0.0);
    }

    internal static double NormalizedMutualInformation(ContingencyTable table, NmiNormalization normalization)
    {
        if (table.Classes == 1 && table.Clusters == 1)
            return 1.0;
        double mi = MutualInformation(table);
        if (mi == 0.0)
            return 0.0;
        double hTruth = Entropy(table.ClassTotalSpan, table.Total);
        double hPredicted = Entropy(table.ClusterTotalSpan, table.Total);
        double normalizer = normalization switch
        {
            NmiNormalization.Arithmetic => (hTruth + hPredicted) / 2.0,
            NmiNormalization.Geometric => Math.Sqrt(hTruth * hPredicted),
            NmiNormalization.Min => Math.Min(hTruth, hPredicted),
            NmiNormalization.Max => Math.Max(hTruth, hPredicted),
            _ => throw new ArgumentOutOfRangeException(nameof(normalization), normalization, "Unknown NMI normalization."),
        };
        return mi / normalizer;
    }

    /// <summary>Entropy in nats of a labeling given its label counts (0 for a single label).</summary>
    private static double Entropy(ReadOnlySpan<long> counts, long total)
    {
        if (counts.Length == 1)
            return 0.0;
        double logTotal = Math.Log(total), h = 0.0;
        foreach (long n in counts)
            h += n / (double)total * (Math.Log(n) - logTotal);
        return -h;
    }

    internal static double AdjustedRandIndex(ContingencyTable table)
    {
        // Pair-confusion counts over ordered pairs, exactly as scikit-learn's pair_confusion_matrix; they fit in
        // a long for N < 2^31, their products do not, hence Int128.
        long n = table.Total, sumSquares = 0, sumA = 0, sumB = 0;
        foreach (long c in table.CellCount) sumSquares += c * c;
        foreach (long a in table.ClassTotalSpan) sumA += a * a;
        foreach (long b in table.ClusterTotalSpan) sumB += b * b;
        Int128 tp = sumSquares - n;
        Int128 fp = sumB - sumSquares;
        Int128 fn = sumA - sumSquares;
        Int128 tn = (Int128)n * n - fp - fn - sumSquares;
        if (fn == 0 && fp == 0)
            return 1.0;
        Int128 numerator = 2 * (tp * tn - fn * fp);
        Int128 denominator = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
        return (double)numerator / (double)denominator;
    }

    internal static double Purity(ContingencyTable table)
    {
        var majority = new long[table.Clusters];
        ReadOnlySpan<int> cellCluster = table.CellCluster;
        ReadOnlySpan<long> count = table.CellCount;
        for (int c = 0; c < count.Length; c++)
            majority[cellCluster[c]] = Math.Max(majority[cellCluster[c]], count[c]);
        long sum = 0;
        foreach (long m in majority) sum += m;
        return (double)sum / table.Total;
    }

    private static long[,] Dense(ContingencyTable table)
    {
        try
        {
            return table.ToArray();
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException(e.Message, "predicted", e);
        }
    }
}
