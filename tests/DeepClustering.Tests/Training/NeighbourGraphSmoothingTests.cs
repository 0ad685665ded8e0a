using DeepClustering.Metrics;
using DeepClustering.Tests.Mixtures;
using DeepClustering.Training;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Training;

public class NeighbourGraphSmoothingTests
{
    /// <summary>
    /// A wide cluster (600 rows, sd 1) beside a narrow one (100 rows, sd 0.3, 4 away): k-means, which prefers clusters
    /// of equal spread, moves the boundary into the wide cluster and gives the narrow one its edge.
    /// </summary>
    private static (Tensor Data, int[] Truth) WideAndNarrow(int seed)
    {
        var random = new Random(seed);
        var values = new List<float>();
        var truth = new List<int>();
        foreach (var (rows, sd, x, label) in new[] { (600, 1.0, 0.0, 0), (100, 0.3, 4.0, 1) })
            for (int r = 0; r < rows; r++)
            {
                values.Add((float)(x + sd * MixtureTestData.Normal(random)));
                values.Add((float)(sd * MixtureTestData.Normal(random)));
                truth.Add(label);
            }
        return (tensor(values.ToArray(), new long[] { truth.Count, 2 }), truth.ToArray());
    }

    private static int[] Ints(Tensor labels) => labels.data<long>().ToArray().Select(v => (int)v).ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void KMeansOnSmoothedCodesFindsTheGapBetweenAWideAndANarrowCluster(int seed)
    {
        using var scope = NewDisposeScope();
        var (data, truth) = WideAndNarrow(seed);
        double plain = ClusterScores.Evaluate(truth, Ints(LatentClustering.KMeansLabels(data, 2, 10, seed, default))).Ari;
        Assert.True(plain < 0.92, $"k-means ARI {plain}: the data no longer show the failure this test is about");

        // Each step pulls a code towards its neighbours: the rows on the wide cluster's edge go back to it, and a gap opens.
        var graph = NeighbourGraphSmoothing.NearestNeighbours(data, 10);
        var smoothed = NeighbourGraphSmoothing.Smooth(data, graph, 20);
        double ari = ClusterScores.Evaluate(truth, Ints(LatentClustering.KMeansLabels(smoothed, 2, 10, seed, default))).Ari;
        Assert.True(ari >= 0.95, $"ARI {ari} on the smoothed codes (k-means alone {plain})");
    }

    [Fact]
    public void NearestNeighboursAreTheExactOnesInEveryChunkAndNeverTheRowItself()
    {
        using var scope = NewDisposeScope();
        var random = new Random(4);
        int n = 37, d = 3, k = 5;
        var values = Enumerable.Range(0, n * d).Select(_ => (float)MixtureTestData.Normal(random)).ToArray();
        var data = tensor(values, new long[] { n, d });
        var graph = NeighbourGraphSmoothing.NearestNeighbours(data, k, chunkRows: 8); // five chunks, the last one short
        Assert.Equal(new long[] { n, k }, graph.shape);
        var found = graph.data<long>().ToArray();
        for (int i = 0; i < n; i++)
        {
            double Distance(int j) => Enumerable.Range(0, d).Sum(c => Math.Pow(values[i * d + c] - values[j * d + c], 2));
            var expected = Enumerable.Range(0, n).Where(j => j != i).OrderBy(Distance).Take(k).ToArray();
            Assert.Equal(expected, found.Skip(i * k).Take(k).Select(v => (int)v).ToArray());
        }
    }

    [Fact]
    public void OneStepMovesEachCodeHalfwayToItsNeighboursMeanAndLeavesTheInputAlone()
    {
        using var scope = NewDisposeScope();
        // Four points on a line: 0, 1, 3, 7. Two neighbours each: 0 → {1, 3}, 1 → {0, 3}, 3 → {1, 0}, 7 → {3, 1}.
        var data = tensor(new float[] { 0, 1, 3, 7 }, new long[] { 4, 1 });
        var graph = NeighbourGraphSmoothing.NearestNeighbours(data, 2);
        Assert.Equal(new long[] { 1, 2, 0, 2, 1, 0, 2, 1 }, graph.data<long>().ToArray());
        var once = NeighbourGraphSmoothing.Smooth(data, graph, 1);
        Assert.Equal(ScalarType.Float32, once.dtype);
        Assert.Equal(new[] { 1f, 1.25f, 1.75f, 4.5f }, once.data<float>().ToArray());
        Assert.Equal(new[] { 0f, 1f, 3f, 7f }, data.data<float>().ToArray());
        // Zero steps return an equal copy; constant codes stay where they are.
        Assert.Equal(data.data<float>().ToArray(), NeighbourGraphSmoothing.Smooth(data, graph, 0).data<float>().ToArray());
        var constant = full(new long[] { 4, 2 }, 0.25f);
        Assert.Equal(constant.data<float>().ToArray(), NeighbourGraphSmoothing.Smooth(constant, graph, 7).data<float>().ToArray());
    }

    [Fact]
    public void RefusesTooManyNeighboursAndHonoursCancellation()
    {
        using var scope = NewDisposeScope();
        var data = randn(6, 2);
        Assert.Equal("neighbours", Assert.Throws<ArgumentOutOfRangeException>(() => NeighbourGraphSmoothing.NearestNeighbours(data, 6)).ParamName);
        Assert.Equal("neighbours", Assert.Throws<ArgumentOutOfRangeException>(() => NeighbourGraphSmoothing.NearestNeighbours(data, 0)).ParamName);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => NeighbourGraphSmoothing.NearestNeighbours(data, 2, cancelled.Token));
        var graph = NeighbourGraphSmoothing.NearestNeighbours(data, 2);
        Assert.Throws<OperationCanceledException>(() => NeighbourGraphSmoothing.Smooth(data, graph, 3, cancelled.Token));
    }
}
