using DeepClustering.Metrics;
using DeepClustering.Mixtures;
using DeepClustering.Tests.Mixtures;
using DeepClustering.Training;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Training;

public class WithinClusterWhiteningTests
{
    /// <summary>
    /// Three parallel clusters, long along x (sd 3) and thin along y (sd 0.4), 3 apart in y: k-means cuts them across
    /// their length; in the metric of their within-cluster covariance they are round and well apart.
    /// </summary>
    internal static (Tensor Data, int[] Truth) ElongatedClusters(int seed, int perCluster = 200)
    {
        var random = new Random(seed);
        var values = new float[3 * perCluster * 2];
        var truth = new int[3 * perCluster];
        for (int k = 0, i = 0; k < 3; k++)
            for (int r = 0; r < perCluster; r++, i++)
            {
                values[2 * i] = (float)(3 * MixtureTestData.Normal(random));
                values[2 * i + 1] = (float)(3 * k + 0.4 * MixtureTestData.Normal(random));
                truth[i] = k;
            }
        return (tensor(values, new long[] { 3 * perCluster, 2 }), truth);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void RecoversElongatedClustersThatKMeansCutsAcross(int seed)
    {
        using var scope = NewDisposeScope();
        var (data, truth) = ElongatedClusters(seed);
        using var kmeans = new KMeans(new KMeansOptions { Clusters = 3, Restarts = 10, Seed = seed }).FitTensor(data);
        var start = kmeans.PredictTensor(data).to(ScalarType.Int64);
        double plain = ClusterScores.Evaluate(truth, start.data<long>().ToArray().Select(v => (int)v).ToArray()).Ari;
        Assert.True(plain < 0.6, $"k-means ARI {plain}: the data no longer show the failure this test is about");

        using var refined = WithinClusterWhitening.Refine(data, start, 3, rounds: 8, restarts: 10, seed, CancellationToken.None);
        double ari = ClusterScores.Evaluate(truth, refined.Labels.data<long>().ToArray().Select(v => (int)v).ToArray()).Ari;
        Assert.True(ari >= 0.95, $"ARI {ari} after {refined.Rounds} rounds (k-means alone {plain})");
        Assert.InRange(refined.Rounds, 1, 8);
    }

    [Fact]
    public void TransformWhitensTheWithinClusterCovarianceAndIsInvertible()
    {
        using var scope = NewDisposeScope();
        var (data, truth) = ElongatedClusters(seed: 5);
        var labels = tensor(truth.Select(v => (long)v).ToArray());
        var (whiten, unwhiten) = WithinClusterWhitening.Transform(data, labels, 3);
        var identity = eye(2);
        Assert.True(whiten.matmul(unwhiten).sub(identity).abs().max().item<float>() < 1e-4);
        Assert.True(whiten.sub(whiten.t()).abs().max().item<float>() < 1e-6); // the symmetric root: no rotation

        // Pooled within-cluster covariance of the whitened rows, in double.
        var z = data.matmul(whiten).to(ScalarType.Float64);
        var r = nn.functional.one_hot(labels, 3).to(ScalarType.Float64);
        var means = r.t().matmul(z).div(r.sum(dim: 0).unsqueeze(1));
        var residual = z - r.matmul(means);
        var within = residual.t().matmul(residual).div(z.shape[0]);
        Assert.True(within.sub(eye(2, dtype: ScalarType.Float64)).abs().max().item<double>() < 1e-4, within.ToString(TorchSharp.TensorStringStyle.Numpy));

        // The input is not changed.
        var (again, _) = ElongatedClusters(seed: 5);
        Assert.Equal(again.data<float>().ToArray(), data.data<float>().ToArray());
    }

    [Fact]
    public void StopsOnceThePartitionIsStable()
    {
        using var scope = NewDisposeScope();
        var (data, truth) = ElongatedClusters(seed: 3);
        // Started from the true partition (renamed), a round finds it again, up to a tail row or two, and the refinement
        // stops long before its 8 rounds.
        var labels = tensor(truth.Select(v => (long)((v + 1) % 3)).ToArray());
        using var refined = WithinClusterWhitening.Refine(data, labels, 3, rounds: 8, restarts: 5, seed: 0, CancellationToken.None);
        Assert.InRange(refined.Rounds, 1, 2);
        Assert.True(ClusterScores.Evaluate(truth, refined.Labels.data<long>().ToArray().Select(v => (int)v).ToArray()).Ari >= 0.99);
    }

    [Fact]
    public void HonoursCancellation()
    {
        using var scope = NewDisposeScope();
        var (data, truth) = ElongatedClusters(seed: 4);
        var labels = tensor(truth.Select(v => (long)v).ToArray());
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => WithinClusterWhitening.Refine(data, labels, 3, 4, 2, 0, cancelled.Token));
    }
}
