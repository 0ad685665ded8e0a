using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Metrics;
using DeepClustering.Models;
using DeepClustering.Tests.Mixtures;
using DeepClustering.Tests.Training;
using DeepClustering.Training;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Models;

public class ClusteringModuleTests
{
    /// <summary>Four well-separated isotropic blobs in 5-d (std 1, centres 10 apart).</summary>
    private static Dataset FourBlobs(int perCluster = 60, int seed = 4) => MixtureTestData.Blobs(new[]
    {
        new[] { 0.0, 0, 0, 0, 0 }, new[] { 10.0, 0, 0, 0, 0 }, new[] { 0.0, 10, 0, 0, 0 }, new[] { 0.0, 0, 10, 0, 0 },
    }, perCluster, 1.0, seed);

    private static ClusteringModuleOptions Fast(int clusters = 4, int seed = 1) => new()
    {
        Clusters = clusters, Seed = seed, Epochs = 40, BatchSize = 32,
    };

    /// <summary>
    /// Largest absolute difference. Repeated forward passes may differ in the last bit on CPU (libtorch picks SIMD
    /// paths by memory alignment), so recomputed probabilities are compared with a tolerance.
    /// </summary>
    internal static double MaxDifference(float[,] a, float[,] b)
    {
        Assert.Equal(a.GetLength(0), b.GetLength(0));
        Assert.Equal(a.GetLength(1), b.GetLength(1));
        double max = 0;
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) max = Math.Max(max, Math.Abs(a[i, j] - b[i, j]));
        return max;
    }

    [Theory]
    [InlineData(ClusteringModuleInit.KMeans, 1e-3)]
    [InlineData(ClusteringModuleInit.Random, 3e-2)]
    public void RecoversWellSeparatedBlobs(ClusteringModuleInit init, double learningRate)
    {
        var data = FourBlobs();
        var progress = new List<TrainingProgress>();
        using var model = new ClusteringModule(Fast() with { Init = init, Epochs = 60, LearningRate = learningRate })
            .Fit(data, new SyncProgress(progress.Add));
        var labels = model.Predict(data);
        Assert.True(ClusterScores.AdjustedRandIndex(data.Labels!, labels) >= 0.95, $"ARI {ClusterScores.AdjustedRandIndex(data.Labels!, labels)}");
        Assert.Equal(61, model.Summary.Iterations); // 60 epochs + the averaging epoch
        Assert.Empty(model.Summary.Warnings);
        var training = progress.Where(p => p.Phase == TrainingPhase.Training).ToList();
        Assert.Equal(61, training.Count);
        Assert.Equal(new[] { "codeReconstruction", "coupling", "dirichletPrior", "sparsity" }, training[^1].Terms!.Keys.Order());
        Assert.Equal(init == ClusteringModuleInit.KMeans, progress.Any(p => p.Phase == TrainingPhase.Initialization));
        Assert.Equal(TrainingPhase.Finalizing, progress[^1].Phase);
        Assert.Equal(data.Rows, progress[^1].ClusterSizes!.Sum());
    }

    [Fact]
    public void TrainedModuleLossTermsEqualTheSoftKMeansDistortionOfItsAssignments()
    {
        var data = FourBlobs(perCluster: 30);
        using var model = new ClusteringModule(Fast() with { Init = ClusteringModuleInit.Random, Scaler = ScalerKind.None, Epochs = 5 }).Fit(data);
        var gamma = model.PredictProbabilities(data);
        var centroids = model.Centroids;
        // The soft k-means distortion of the model's own assignments, in plain double loops.
        double expected = 0;
        for (int i = 0; i < data.Rows; i++)
            for (int k = 0; k < model.Clusters; k++)
            {
                double dist = 0;
                for (int j = 0; j < data.Columns; j++) { double v = data.Row(i)[j] - centroids[k, j]; dist += v * v; }
                expected += gamma[i, k] * dist;
            }
        using var scope = NewDisposeScope();
        var x = data.ToTensor();
        var g = tensor(gamma);
        var u = tensor(centroids);
        double terms = (ClusteringModuleLoss.CodeReconstruction(x, g, u) + ClusteringModuleLoss.Sparsity(g, u) + ClusteringModuleLoss.Coupling(g, u))
            .item<float>();
        Assert.Equal(expected, terms, expected * 1e-4);
        Assert.Equal(expected / data.Rows, model.Distortion(data), expected / data.Rows * 1e-4);
        // Soft assignments are not one-hot after 5 epochs, so E2 + E3 carry weight: the check is not trivial.
        Assert.True(ClusteringModuleLoss.Sparsity(g, u).item<float>() > 1e-3 * expected);
    }

    [Fact]
    public void SameSeedGivesIdenticalResultsAndSaveLoadRoundTrips()
    {
        var data = FourBlobs(perCluster: 25);
        var options = Fast(seed: 5) with { Epochs = 6, Init = ClusteringModuleInit.Random };
        using var a = new ClusteringModule(options).Fit(data);
        using var b = new ClusteringModule(options).Fit(data);
        Assert.True(DeepTestData.Same(a.Centroids, b.Centroids));
        Assert.Equal(a.Summary.ObjectiveHistory, b.Summary.ObjectiveHistory);
        Assert.Equal(a.Predict(data), b.Predict(data));
        using var other = new ClusteringModule(options with { Seed = 6 }).Fit(data);
        Assert.False(DeepTestData.Same(a.Centroids, other.Centroids));

        using var stream = new MemoryStream();
        a.Save(stream);
        stream.Position = 0;
        using var loaded = ClusteringModuleModel.Load(stream);
        Assert.True(MaxDifference(a.PredictProbabilities(data), loaded.PredictProbabilities(data)) <= 1e-6);
        Assert.Equal(a.Predict(data), loaded.Predict(data));
        Assert.True(DeepTestData.Same(a.Centroids, loaded.Centroids));
        Assert.Equal(a.Options, loaded.Options);
        Assert.Equal(a.Summary.ObjectiveHistory, loaded.Summary.ObjectiveHistory);
        stream.Position = 0;
        using var any = DeepClustering.Persistence.ModelFile.Load(stream);
        Assert.IsType<ClusteringModuleModel>(any);
        Assert.Throws<ModelFormatException>(() => DeepClustering.Mixtures.KMeansModel.Load(new MemoryStream(stream.ToArray())));
    }

    [Fact]
    public void EmbedIsTheAssignmentCodeAndReconstructComesBackInFeatureUnits()
    {
        var data = FourBlobs(perCluster: 25);
        using var model = new ClusteringModule(Fast() with { Epochs = 20 }).Fit(data);
        var code = model.Embed(data);
        Assert.True(MaxDifference(code, model.PredictProbabilities(data)) <= 1e-6);
        Assert.Equal(4, code.GetLength(1));
        for (int i = 0; i < data.Rows; i++)
        {
            double sum = 0;
            for (int k = 0; k < 4; k++) sum += code[i, k];
            Assert.Equal(1, sum, 4);
        }
        var r = model.Reconstruct(data);
        Assert.Equal(data.Columns, r.GetLength(1));
        // Rows are reconstructed near their cluster centre (blob std 1, centres 10 apart).
        double err = 0;
        for (int i = 0; i < data.Rows; i++)
            for (int j = 0; j < data.Columns; j++) err += Math.Abs(r[i, j] - data.Row(i)[j]);
        Assert.InRange(err / (data.Rows * data.Columns), 0.1, 1.5);
    }

    [Fact]
    public void BadInputGivesClearErrors()
    {
        var data = FourBlobs(perCluster: 5);
        var tooFew = Assert.Throws<ArgumentException>(() => new ClusteringModule(Fast(clusters: 30)).Fit(data));
        Assert.Contains("Clusters = 30", tooFew.Message);
        var option = Assert.Throws<ArgumentOutOfRangeException>(() => new ClusteringModule(Fast() with { AdamEpsilon = 0 }).Fit(data));
        Assert.Equal("AdamEpsilon", option.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClusteringModule(Fast() with { BatchSize = 0 }).Fit(data));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClusteringModule(Fast() with { Device = "tpu" }).Fit(data));
        var nan = Assert.Throws<ArgumentException>(() => Dataset.FromValues(new[] { 1f, float.NaN, 2f, 3f }, 2, 2));
        Assert.Contains("row 0, column 1", nan.Message);

        using var model = new ClusteringModule(Fast() with { Epochs = 1 }).Fit(data);
        var wide = Dataset.FromValues(new float[12], 2, 6);
        var width = Assert.Throws<ArgumentException>(() => model.Predict(wide));
        Assert.Contains("5 features", width.Message);
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Predict(data));
        Assert.Throws<ModelFormatException>(() => ClusteringModuleModel.Load(new MemoryStream(new byte[] { 1, 2, 3 })));
    }

    [Fact]
    public void CollapseIsReportedOnceOrThrown()
    {
        // α = 0 rewards emptying clusters: with a large step the module puts every row in one of the two clusters.
        var data = FourBlobs(perCluster: 25);
        var options = Fast(clusters: 2) with { Init = ClusteringModuleInit.Random, DirichletConcentration = 0.0, LearningRate = 0.1, Epochs = 30 };
        var messages = new List<string>();
        using var model = new ClusteringModule(options).Fit(data, new SyncProgress(p => { if (p.Message is not null) messages.Add(p.Message); }));
        Assert.Single(model.Predict(data).Distinct());
        Assert.Equal(2, model.Summary.Warnings.Count); // the first collapse and the final state, not one per epoch
        Assert.All(model.Summary.Warnings, w => Assert.Contains("cluster collapse", w));
        Assert.Contains("at the end of training", model.Summary.Warnings[^1]);
        Assert.True(messages.Count > 2);
        Assert.Contains(messages, m => m.Contains("raise DirichletConcentration"));
        var thrown = Assert.Throws<ClusteringNumericsException>(() => new ClusteringModule(options with { OnCollapse = CollapseBehavior.Throw }).Fit(data));
        Assert.Contains("collapse", thrown.Message);
    }

    [Fact]
    public void EmptyClustersAreReported()
    {
        var data = FourBlobs(perCluster: 25);
        var options = Fast() with { Init = ClusteringModuleInit.Random, DirichletConcentration = 0.0, LearningRate = 0.05, Epochs = 30 };
        using var model = new ClusteringModule(options).Fit(data);
        var sizes = new int[4];
        foreach (var label in model.Predict(data)) sizes[label]++;
        int empty = sizes.Count(s => s == 0);
        Assert.True(empty > 0, string.Join(",", sizes));
        var warning = Assert.Single(model.Summary.Warnings);
        Assert.Contains($"{empty} of 4 clusters are empty", warning);
    }

    [Fact]
    public void CancellationAfterTheFirstReportThrowsWithoutAModel()
    {
        var data = FourBlobs(perCluster: 25);
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new ClusteringModule(Fast()).Fit(data, new SyncProgress(_ => cts.Cancel()), cts.Token));
    }

    [Fact]
    public void AuthorsTunedValuesAreTheSummedLossSettings()
    {
        var mnist = ClusteringModuleOptions.AuthorsTuned("mnist");
        Assert.Equal((177.0, 111, ClusteringModuleLossScale.Sum), (mnist.DirichletConcentration, mnist.BatchSize, mnist.LossScale));
        Assert.Throws<ArgumentException>(() => ClusteringModuleOptions.AuthorsTuned("stl10"));
    }
}
