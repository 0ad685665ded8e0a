using DeepClustering.Metrics;

namespace DeepClustering.Tests.Metrics;

public class ContingencyTableTests
{
    [Fact]
    public void RemapsArbitraryIdsInAscendingOrderAndKeepsTheValues()
    {
        int[] truth = [1000000, -5, -5, 1000000, 0, 1000000];
        int[] predicted = [7, 7, -1, 7, -1, 3];
        var table = ContingencyTable.Create(truth, predicted);

        Assert.Equal([-5, 0, 1000000], table.ClassLabels);
        Assert.Equal([-1, 3, 7], table.ClusterLabels);
        Assert.Equal(3, table.Classes);
        Assert.Equal(3, table.Clusters);
        Assert.Equal(6, table.Total);
        Assert.Equal([2L, 1L, 3L], table.ClassTotals);
        Assert.Equal([2L, 1L, 3L], table.ClusterTotals);

        Assert.Equal(new long[,] { { 1, 0, 1 }, { 1, 0, 0 }, { 0, 1, 2 } }, table.ToArray());
        Assert.Equal(2, table[2, 2]);
        Assert.Equal(0, table[1, 2]);

        Assert.Equal(2, table.ClassIndexOf(1000000));
        Assert.Equal(-1, table.ClassIndexOf(1));
        Assert.Equal(0, table.ClusterIndexOf(-1));
        Assert.Equal(-1, table.ClusterIndexOf(int.MaxValue));

        Assert.Equal(
            [new(0, 0, 1), new(0, 2, 1), new(1, 0, 1), new(2, 1, 1), new(2, 2, 2)],
            table.NonZeroCells);
    }

    [Fact]
    public void ManyDistinctLabelsStaySparse()
    {
        // 50 000 singletons on both sides: 2.5e9 dense cells, but only 50 000 are stored.
        int n = 50000;
        var truth = Enumerable.Range(0, n).ToArray();
        var predicted = Enumerable.Range(0, n).Select(v => -v).ToArray();
        var table = ContingencyTable.Create(truth, predicted);
        Assert.Equal(n, table.NonZeroCells.Count);
        Assert.Equal(1.0, ClusterScores.AdjustedRandIndex(truth, predicted));
        Assert.Equal(1.0, ClusterScores.NormalizedMutualInformation(truth, predicted), 12);
        Assert.Throws<InvalidOperationException>(() => table.ToArray());
        var e = Assert.Throws<ArgumentException>(() => ClusterScores.Accuracy(truth, predicted));
        Assert.Equal("predicted", e.ParamName);
    }

    [Fact]
    public void IndexerRejectsOutOfRangeIndices()
    {
        var table = ContingencyTable.Create([0, 1], [0, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => table[2, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => table[0, 1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => table[-1, 0]);
    }

    [Fact]
    public void InvalidInputIsRejected()
    {
        Assert.Equal("predicted", Assert.Throws<ArgumentException>(() => ContingencyTable.Create([1, 2], [1])).ParamName);
        Assert.Equal("truth", Assert.Throws<ArgumentException>(() => ContingencyTable.Create(ReadOnlySpan<int>.Empty, ReadOnlySpan<int>.Empty)).ParamName);
        Assert.Throws<ArgumentNullException>(() => ContingencyTable.Create(new List<int>(), null!));
    }
}
