using DeepClustering.Metrics;

namespace DeepClustering.Tests.Metrics;

/// <summary>The README's metrics example prints what the README says it prints.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void ReadmeMetricsExampleIsTrue()
    {
        int[] truth = [0, 0, 1, 1, 2, 2];
        int[] predicted = [5, 5, 7, 7, 7, 9];
        Assert.Equal("ACC 0.8333  NMI 0.7397  ARI 0.4444  Purity 0.8333  (3 classes, 3 clusters)", ClusterScores.Evaluate(truth, predicted).ToString());
        Assert.Equal(new Dictionary<int, int> { [5] = 0, [7] = 1, [9] = 2 }, ClusterScores.BestMapping(truth, predicted));
        Assert.Equal([1, 0], LinearAssignment.Minimize(new double[,] { { 4, 1 }, { 2, 0 } }));
    }
}
