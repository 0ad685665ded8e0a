using DeepClustering.Metrics;

namespace DeepClustering.Tests.Metrics;

public class ClusterScoresTests
{
    // ALGORITHMS.md §1 test vectors (six decimals, so compared to 5e-7).
    public static TheoryData<int[], int[], double, double, double, double, double> SpecVectors => new()
    {
        { [0, 0, 1, 1], [1, 1, 0, 0], 0.693147, 1.0, 1.0, 1.0, 1.0 },
        { [0, 0, 1, 2], [0, 0, 1, 1], 0.693147, 0.800000, 0.571429, 0.75, 0.75 },
        { [0, 0, 0, 0], [0, 1, 2, 3], 0.0, 0.0, 0.0, 0.25, 1.0 },
        { [0, 0, 1, 1], [0, 1, 0, 1], 0.0, 0.0, -0.5, 0.5, 0.5 },
        { [0, 1, 1, 0, 1, 0], [0, 1, 0, 0, 1, 1], 0.056633, 0.081704, -0.111111, 0.666667, 0.666667 },
        { [0, 0, 1, 1, 2, 2], [1, 0, 2, 1, 0, 2], 0.405465, 0.369070, -0.25, 0.5, 0.5 },
        { [0, 0, 0, 1, 1, 2], [1, 1, 0, 0, 0, 0], 0.318257, 0.386253, 0.036697, 0.666667, 0.666667 },
    };

    [Theory]
    [MemberData(nameof(SpecVectors))]
    public void SpecVectorsMatchEveryColumn(int[] truth, int[] predicted, double mi, double nmi, double ari, double acc, double purity)
    {
        Assert.Equal(mi, ClusterScores.MutualInformation(truth, predicted), 5e-7);
        Assert.Equal(nmi, ClusterScores.NormalizedMutualInformation(truth, predicted), 5e-7);
        Assert.Equal(ari, ClusterScores.AdjustedRandIndex(truth, predicted), 5e-7);
        Assert.Equal(acc, ClusterScores.Accuracy(truth, predicted), 5e-7);
        Assert.Equal(purity, ClusterScores.Purity(truth, predicted), 5e-7);

        var report = ClusterScores.Evaluate(truth, predicted);
        Assert.Equal(ClusterScores.Accuracy(truth, predicted), report.Accuracy);
        Assert.Equal(ClusterScores.NormalizedMutualInformation(truth, predicted), report.Nmi);
        Assert.Equal(ClusterScores.AdjustedRandIndex(truth, predicted), report.Ari);
        Assert.Equal(ClusterScores.Purity(truth, predicted), report.Purity);
        Assert.Equal(truth.Distinct().Count(), report.Classes);
        Assert.Equal(predicted.Distinct().Count(), report.Clusters);
    }

    [Fact]
    public void AccuracyEqualsBruteForceOverAllMatchings()
    {
        var random = new Random(12345);
        for (int trial = 0; trial < 300; trial++)
        {
            int n = random.Next(1, 40);
            int kTrue = random.Next(1, 7), kPred = random.Next(1, 7);
            var truth = new int[n];
            var predicted = new int[n];
            for (int p = 0; p < n; p++)
            {
                truth[p] = random.Next(kTrue);
                // Half the cases correlate the prediction with the truth so the best matching is not trivial.
                predicted[p] = trial % 2 == 0 && random.NextDouble() < 0.7 ? (truth[p] * 5 + 1) % kPred : random.Next(kPred);
            }

            double expected = BruteForceAccuracy(truth, predicted);
            double accuracy = ClusterScores.Accuracy(truth, predicted);
            Assert.Equal(expected, accuracy, 12);

            // The mapping is one-to-one, covers min(#classes, #clusters) clusters and realises the accuracy.
            var mapping = ClusterScores.BestMapping(truth, predicted);
            int classes = truth.Distinct().Count(), clusters = predicted.Distinct().Count();
            Assert.Equal(Math.Min(classes, clusters), mapping.Count);
            Assert.Equal(mapping.Count, mapping.Values.Distinct().Count());
            Assert.All(mapping, kv => { Assert.Contains(kv.Key, predicted); Assert.Contains(kv.Value, truth); });
            int correct = 0;
            for (int p = 0; p < n; p++)
                if (mapping.TryGetValue(predicted[p], out int mapped) && mapped == truth[p]) correct++;
            Assert.Equal(accuracy, (double)correct / n, 12);
        }
    }

    private static double BruteForceAccuracy(int[] truth, int[] predicted)
    {
        // Labels here are 0..5; pad both sides to L so that every injective matching is a permutation.
        int l = Math.Max(truth.Max(), predicted.Max()) + 1;
        var w = new int[l, l];
        for (int p = 0; p < truth.Length; p++) w[predicted[p], truth[p]]++;
        int best = 0;
        foreach (int[] perm in Permutations(l))
        {
            int sum = 0;
            for (int c = 0; c < l; c++) sum += w[c, perm[c]];
            best = Math.Max(best, sum);
        }
        return (double)best / truth.Length;
    }

    private static IEnumerable<int[]> Permutations(int l)
    {
        var a = Enumerable.Range(0, l).ToArray();
        while (true)
        {
            yield return (int[])a.Clone();
            int i = l - 2;
            while (i >= 0 && a[i] >= a[i + 1]) i--;
            if (i < 0) yield break;
            int j = l - 1;
            while (a[j] <= a[i]) j--;
            (a[i], a[j]) = (a[j], a[i]);
            Array.Reverse(a, i + 1, l - i - 1);
        }
    }

    [Fact]
    public void SurplusClustersCountAsErrors()
    {
        int[] truth = [0, 0, 0, 0, 1, 1, 1, 1];
        int[] predicted = [0, 0, 2, 2, 1, 1, 3, 3];   // 4 clusters for 2 classes: only two can be matched
        Assert.Equal(0.5, ClusterScores.Accuracy(truth, predicted));
        Assert.Equal(1.0, ClusterScores.Purity(truth, predicted));
        var mapping = ClusterScores.BestMapping(truth, predicted);
        Assert.Equal(2, mapping.Count);
    }

    [Fact]
    public void FewerClustersThanClassesMapsEveryCluster()
    {
        int[] truth = [0, 0, 1, 1, 2, 2, 3, 3];
        int[] predicted = [7, 7, 7, 7, 9, 9, 9, 9];
        Assert.Equal(0.5, ClusterScores.Accuracy(truth, predicted));
        var mapping = ClusterScores.BestMapping(truth, predicted);
        Assert.Equal([7, 9], mapping.Keys.Order());
    }

    [Fact]
    public void ArbitraryLabelIdsGiveTheSameScoresAsCompactIds()
    {
        int[] truth = [0, 0, 0, 1, 1, 2, 2, 2, 2, 3];
        int[] predicted = [1, 1, 0, 0, 2, 2, 2, 3, 3, 3];
        int[] truthIds = [-1000000, -1, 1000000, int.MaxValue];
        int[] predictedIds = [int.MinValue, 42, -1, 1000000];
        int[] truth2 = truth.Select(v => truthIds[v]).ToArray();
        int[] predicted2 = predicted.Select(v => predictedIds[v]).ToArray();

        Assert.Equal(ClusterScores.Evaluate(truth, predicted), ClusterScores.Evaluate(truth2, predicted2));
        Assert.Equal(ClusterScores.MutualInformation(truth, predicted), ClusterScores.MutualInformation(truth2, predicted2));
        foreach (var m in Enum.GetValues<NmiNormalization>())
            Assert.Equal(ClusterScores.NormalizedMutualInformation(truth, predicted, m), ClusterScores.NormalizedMutualInformation(truth2, predicted2, m));

        var mapping = ClusterScores.BestMapping(truth, predicted);
        var mapping2 = ClusterScores.BestMapping(truth2, predicted2);
        Assert.Equal(mapping.Count, mapping2.Count);
        foreach (var (cluster, cls) in mapping)
            Assert.Equal(truthIds[cls], mapping2[predictedIds[cluster]]);
    }

    [Fact]
    public void PermutedPerfectLabelsScoreOne()
    {
        int[] truth = [3, 3, 5, 5, 5, -2, -2, 9];
        int[] predicted = truth.Select(v => v * 7 + 100).ToArray();
        var report = ClusterScores.Evaluate(truth, predicted);
        Assert.Equal(new ClusterScoreReport(1.0, 1.0, 1.0, 1.0, 4, 4), report);
        foreach (var m in Enum.GetValues<NmiNormalization>())
            Assert.Equal(1.0, ClusterScores.NormalizedMutualInformation(truth, predicted, m), 14);
    }

    [Fact]
    public void SklearnEdgeCases()
    {
        // One value on both sides (also N = 1): NMI 1, ARI 1, MI 0.
        Assert.Equal(1.0, ClusterScores.NormalizedMutualInformation([4, 4, 4], [1, 1, 1]));
        Assert.Equal(1.0, ClusterScores.NormalizedMutualInformation([4], [1]));
        Assert.Equal(1.0, ClusterScores.AdjustedRandIndex([4], [1]));
        Assert.Equal(1.0, ClusterScores.AdjustedRandIndex([4, 4, 4], [1, 1, 1]));
        Assert.Equal(0.0, ClusterScores.MutualInformation([4, 4, 4], [1, 1, 1]));
        // One side constant, the other not: NMI 0, ARI 0.
        Assert.Equal(0.0, ClusterScores.NormalizedMutualInformation([0, 0, 1, 1], [2, 2, 2, 2]));
        Assert.Equal(0.0, ClusterScores.AdjustedRandIndex([0, 0, 1, 1], [2, 2, 2, 2]));
        // All singletons on both sides: ARI 1 (no pair is together anywhere).
        Assert.Equal(1.0, ClusterScores.AdjustedRandIndex([0, 1, 2, 3], [5, 6, 7, 8]));
        Assert.Equal(1.0, ClusterScores.Purity([0, 0, 1, 1], [0, 1, 2, 3]));
    }

    [Fact]
    public void AdjustedRandIndexDoesNotOverflowAtMnistScale()
    {
        // 70 000 points, 10 equal classes, each split 6 000 / 1 000 between its own cluster and the next one.
        var truth = new int[70000];
        var predicted = new int[70000];
        for (int p = 0; p < truth.Length; p++)
        {
            int c = p / 7000;
            truth[p] = c;
            predicted[p] = p % 7000 < 6000 ? c : (c + 1) % 10;
        }
        // Closed form with C(n) = n(n−1)/2 in double: S = 10·(C(6000)+C(1000)), A = Bs = 10·C(7000).
        static double C2(double n) => n * (n - 1) / 2;
        double s = 10 * (C2(6000) + C2(1000)), a = 10 * C2(7000), e = a * a / C2(70000);
        double expected = (s - e) / (a - e);
        double ari = ClusterScores.AdjustedRandIndex(truth, predicted);
        Assert.Equal(expected, ari, 12);
        Assert.InRange(ari, 0.5, 1.0);
        Assert.Equal(6000.0 / 7000.0, ClusterScores.Accuracy(truth, predicted), 14);
    }

    [Fact]
    public void ListOverloadsMatchSpanOverloads()
    {
        List<int> truth = [0, 0, 1, 1, 2, 2, 2];
        List<int> predicted = [5, 5, 5, 6, 6, 7, 7];
        int[] t = [.. truth], p = [.. predicted];
        Assert.Equal(ClusterScores.Evaluate(t, p), ClusterScores.Evaluate(truth, predicted));
        Assert.Equal(ClusterScores.MutualInformation(t, p), ClusterScores.MutualInformation(truth, predicted));
        Assert.Equal(ClusterScores.NormalizedMutualInformation(t, p, NmiNormalization.Max),
            ClusterScores.NormalizedMutualInformation(truth, predicted, NmiNormalization.Max));
        Assert.Equal(ClusterScores.ContingencyMatrix(t, p), ClusterScores.ContingencyMatrix(truth, predicted));
        Assert.Equal(ClusterScores.BestMapping(t, p), ClusterScores.BestMapping(truth, predicted));
        Assert.Equal(ClusterScores.AdjustedRandIndex(t.AsSpan(), p.AsSpan()), ClusterScores.AdjustedRandIndex(truth, predicted));
        Assert.Equal(ClusterScores.Accuracy(t, p), ClusterScores.Accuracy(truth, predicted));
        Assert.Equal(ClusterScores.Purity(t, p), ClusterScores.Purity(truth, predicted));
    }

    [Fact]
    public void ContingencyMatrixOrdersRowsAndColumnsByLabelValue()
    {
        long[,] table = ClusterScores.ContingencyMatrix([10, -3, 10, 10, 4], [1, 1, 0, 0, 1]);
        // Rows: -3, 4, 10; columns: 0, 1.
        Assert.Equal(new long[,] { { 0, 1 }, { 0, 1 }, { 2, 1 } }, table);
    }

    [Fact]
    public void LengthMismatchNamesPredicted()
    {
        var e = Assert.Throws<ArgumentException>(() => ClusterScores.Accuracy([0, 1, 2], [0, 1]));
        Assert.Equal("predicted", e.ParamName);
        Assert.Contains("3", e.Message);
        Assert.Contains("2", e.Message);
        Assert.Throws<ArgumentException>(() => ClusterScores.NormalizedMutualInformation([0, 1], [0]));
        Assert.Throws<ArgumentException>(() => ClusterScores.AdjustedRandIndex([0], [0, 1]));
        Assert.Throws<ArgumentException>(() => ClusterScores.Evaluate(new List<int> { 0 }, new List<int>()));
    }

    [Fact]
    public void EmptyLabelingsNameTruth()
    {
        var e = Assert.Throws<ArgumentException>(() => ClusterScores.Purity(ReadOnlySpan<int>.Empty, ReadOnlySpan<int>.Empty));
        Assert.Equal("truth", e.ParamName);
        Assert.Throws<ArgumentException>(() => ClusterScores.MutualInformation(Array.Empty<int>(), Array.Empty<int>()));
    }

    [Fact]
    public void NullListsAndUndefinedNormalizationAreRejected()
    {
        Assert.Throws<ArgumentNullException>(() => ClusterScores.Accuracy(null!, new List<int> { 1 }));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ClusterScores.NormalizedMutualInformation([0, 1], [0, 1], (NmiNormalization)17));
        Assert.Equal("normalization", e.ParamName);
    }

    [Fact]
    public void ReportToStringIsCultureInvariant()
    {
        var report = new ClusterScoreReport(0.5, 0.25, -0.125, 1, 3, 4);
        Assert.Equal("ACC 0.5000  NMI 0.2500  ARI -0.1250  Purity 1.0000  (3 classes, 4 clusters)", report.ToString());
    }
}
