using DeepClustering.Metrics;
using DeepClustering.Training;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Training;

public class GraphLinkageTests
{
    private static int[] Ints(Tensor labels) => labels.data<long>().ToArray().Select(v => (int)v).ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void MergingSmallKMeansClustersAlongTheGraphRecoversLongClustersThatKMeansCutsAcross(int seed)
    {
        using var scope = NewDisposeScope();
        // Three long parallel clusters: k-means with three clusters cuts across them, but its 24 small clusters each lie
        // within one, and the graph links the small clusters of one long cluster to each other.
        var (data, truth) = WithinClusterWhiteningTests.ElongatedClusters(seed);
        double plain = ClusterScores.Evaluate(truth, Ints(LatentClustering.KMeansLabels(data, 3, 10, seed, default))).Ari;
        Assert.True(plain < 0.6, $"k-means ARI {plain}: the data no longer show the failure this test is about");

        var graph = NeighbourGraphSmoothing.NearestNeighbours(data, 10);
        var fine = LatentClustering.KMeansLabels(data, 24, 10, seed, default);
        var merged = GraphLinkage.Merge(fine, 24, graph, 3);
        double ari = ClusterScores.Evaluate(truth, Ints(merged)).Ari;
        Assert.True(ari >= 0.85, $"ARI {ari} after merging (k-means alone {plain})");
    }

    [Fact]
    public void MergesThePairWithTheMostEdgesPerPairOfRowsAndNumbersTheGroupsInOrder()
    {
        using var scope = NewDisposeScope();
        // Six rows in four fine clusters, fine label per row: 0 0 1 2 3 3 (fine cluster 2 has one row).
        var fine = tensor(new long[] { 0, 0, 1, 2, 3, 3 });
        // One neighbour per row: 0→1, 1→2, 2→1, 3→4, 4→5, 5→3. Symmetrised edges between fine clusters:
        // {0,1}: 0→1 is inside 0; 1→2 and 2→1 give 2 edges between 0 and 1. {2,3}: 3→4 gives 2 (both directions).
        // Affinities: (0,1) 2/(2·1) = 1; (2,3) 2/(1·2) = 1; a tie, broken towards the lower indices: 0 and 1 merge first.
        var graph = tensor(new long[] { 1, 2, 1, 4, 5, 3 }, new long[] { 6, 1 });
        Assert.Equal(new[] { 0, 0, 0, 1, 2, 2 }, Ints(GraphLinkage.Merge(fine, 4, graph, 3)));
        Assert.Equal(new[] { 0, 0, 0, 1, 1, 1 }, Ints(GraphLinkage.Merge(fine, 4, graph, 2)));
        // As many groups as fine clusters: nothing merges. An empty fine cluster (5) is dropped, not counted.
        Assert.Equal(new[] { 0, 0, 1, 2, 3, 3 }, Ints(GraphLinkage.Merge(fine, 4, graph, 4)));
        Assert.Equal(new[] { 0, 0, 1, 2, 3, 3 }, Ints(GraphLinkage.Merge(fine, 6, graph, 4)));
        // The inputs are not changed.
        Assert.Equal(new long[] { 0, 0, 1, 2, 3, 3 }, fine.data<long>().ToArray());
    }
}
