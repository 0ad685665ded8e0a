using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Metrics;
using DeepClustering.Models;
using DeepClustering.Networks;
using DeepClustering.Tests.Mixtures;
using DeepClustering.Tests.Training;
using DeepClustering.Training;

namespace DeepClustering.Tests.Models;

public class NeuralMixtureEmTests
{
    private static readonly Dataset Blobs = DeepTestData.Blobs(rows: 300, features: 12, clusters: 3, seed: 5, spread: 0.6);

    /// <summary>Small, fast settings for tabular data.</summary>
    internal static NeuralMixtureEmOptions Tiny(int clusters = 3, int seed = 0) => new()
    {
        Clusters = clusters, Seed = seed, HiddenSizes = new[] { 32 }, LatentSize = 8, BatchSize = 64, Epochs = 30,
        UniformMixingEpochs = 2,
    };

    private static double Accuracy(Dataset data, int[] labels) => ClusterScores.Accuracy(data.Labels!, labels);

    [Fact]
    public void EmWithConsistencySeparatesBlobsFromScratch()
    {
        using var model = new NeuralMixtureEm(Tiny()).Fit(Blobs);
        Assert.True(Accuracy(Blobs, model.Predict(Blobs)) >= 0.95);
        Assert.Empty(model.Summary.Warnings);
    }

    [Fact]
    public void PureEmWithoutAugmentationSeparatesBlobs()
    {
        using var model = new NeuralMixtureEm(Tiny() with { ConsistencyWeight = 0, Augment = false }).Fit(Blobs);
        Assert.True(Accuracy(Blobs, model.Predict(Blobs)) >= 0.95);
    }

    [Fact]
    public void ConvolutionalBackboneOnImagesGivesAConsistentModelThatRoundTrips()
    {
        var images = DeepTestData.Images(rows: 90, side: 16, clusters: 3);
        var options = new NeuralMixtureEmOptions
        {
            Clusters = 3, Seed = 4, Network = NetworkKind.Convolutional, HiddenSizes = new[] { 4, 8 }, LatentSize = 8, BatchSize = 32, Epochs = 3,
            Restarts = 1,
        };
        var seen = new List<TrainingProgress>();
        using var model = new NeuralMixtureEm(options).Fit(images, new SyncProgress(seen.Add));
        Assert.DoesNotContain(seen, p => p.Phase is TrainingPhase.Pretraining or TrainingPhase.Initialization);
        var training = seen.Where(p => p.Phase == TrainingPhase.Training).ToList();
        Assert.Equal(3, training.Count);
        Assert.All(training, p => Assert.True(p.Terms!.Keys.ToHashSet().SetEquals(new[]
        {
            NeuralMixtureEm.EmTerm, NeuralMixtureEm.ConsistencyTerm, NeuralMixtureEm.BalanceTerm, NeuralMixtureEm.LogLikelihoodTerm,
        })));
        var p = model.PredictProbabilities(images);
        var labels = model.Predict(images);
        for (int i = 0; i < images.Rows; i++)
        {
            double sum = 0;
            int arg = 0;
            for (int k = 0; k < 3; k++) { sum += p[i, k]; if (p[i, k] > p[i, arg]) arg = k; }
            Assert.Equal(1.0, sum, 4);
            Assert.Equal(arg, labels[i]);
        }
        Assert.Equal(new[] { images.Rows, 8 }, new[] { model.Embed(images).GetLength(0), model.Embed(images).GetLength(1) });
        Assert.Equal(1.0, model.MixingWeights.Sum(), 6);
        Assert.Equal(new[] { 3, 8 }, new[] { model.ClusterWeights.GetLength(0), model.ClusterWeights.GetLength(1) });
        var logF = model.ClusterLogDensities(images);
        var ll = model.LogLikelihood(images);
        for (int i = 0; i < images.Rows; i++)
        {
            // log Σ π_k f_k agrees with the per-cluster densities and the mixing weights.
            double mix = 0;
            for (int k = 0; k < 3; k++) mix += model.MixingWeights[k] * Math.Exp(logF[i, k]);
            Assert.Equal(Math.Log(mix), ll[i], 3);
        }

        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        using var loaded = NeuralMixtureEmModel.Load(stream);
        Assert.True(DeepTestData.Same(p, loaded.PredictProbabilities(images)));
        Assert.Equal(model.MixingWeights, loaded.MixingWeights);
        Assert.Equal(options.Temperature, loaded.Options.Temperature);
        Assert.Equal(NetworkKind.Convolutional, loaded.Architecture.Kind);

        // Same seed, same model (CPU).
        using var again = new NeuralMixtureEm(options).Fit(images);
        Assert.True(DeepTestData.Same(p, again.PredictProbabilities(images)));
    }

    [Fact]
    public void TheDefaultBackboneIsConvolutionalForImagesOfSixteenPixelsAndTheMlpOtherwise()
    {
        Assert.Equal(NetworkKind.Auto, new NeuralMixtureEmOptions().Network);
        var options = new NeuralMixtureEmOptions { Clusters = 3, Epochs = 1, Restarts = 1, BatchSize = 32, HiddenSizes = new[] { 4, 8 }, LatentSize = 4 };
        using var sixteen = new NeuralMixtureEm(options).Fit(DeepTestData.Images(rows: 60, side: 16, clusters: 3));
        Assert.Equal(NetworkKind.Convolutional, sixteen.Architecture.Kind);
        using var eight = new NeuralMixtureEm(options).Fit(DeepTestData.Images(rows: 60, side: 8, clusters: 3));
        Assert.Equal(NetworkKind.Mlp, eight.Architecture.Kind);
        using var tabular = new NeuralMixtureEm(options).Fit(Blobs);
        Assert.Equal(NetworkKind.Mlp, tabular.Architecture.Kind);
    }

    [Fact]
    public void PureEmReportsNoConsistencyTermAndFixedMixingStaysUniform()
    {
        var seen = new List<TrainingProgress>();
        var options = Tiny() with { ConsistencyWeight = 0, Augment = false, LearnMixingWeights = false, Epochs = 3 };
        using var model = new NeuralMixtureEm(options).Fit(Blobs, new SyncProgress(seen.Add));
        Assert.All(seen.Where(p => p.Phase == TrainingPhase.Training), p => Assert.False(p.Terms!.ContainsKey(NeuralMixtureEm.ConsistencyTerm)));
        Assert.All(model.MixingWeights, w => Assert.Equal(1.0 / 3, w, 6));
    }

    [Fact]
    public void LearnedMixingWeightsFollowUnevenClusters()
    {
        // 60 % / 20 % / 20 % of the rows.
        var labels = Blobs.Labels!;
        var keep = Enumerable.Range(0, Blobs.Rows).Where(i => labels[i] == 0 || i % 9 < 3).ToArray();
        var uneven = Blobs.Select(keep);
        var shares = Enumerable.Range(0, 3).Select(k => uneven.Labels!.Count(l => l == k) / (double)uneven.Rows).OrderBy(v => v).ToArray();
        using var model = new NeuralMixtureEm(Tiny() with { Epochs = 40, LearnMixingWeights = true }).Fit(uneven);
        var pi = model.MixingWeights.OrderBy(v => v).ToArray();
        Assert.True(Accuracy(uneven, model.Predict(uneven)) >= 0.9);
        for (int k = 0; k < 3; k++) Assert.Equal(shares[k], pi[k], 1);
    }

    [Fact]
    public void APretrainedNetworkStartsTheNeuronsAtKMeansCentres()
    {
        var seen = new List<TrainingProgress>();
        var options = Tiny() with { PretrainEpochs = 5, Epochs = 0 };
        using var model = new NeuralMixtureEm(options).Fit(Blobs, new SyncProgress(seen.Add));
        Assert.Contains(seen, p => p.Phase == TrainingPhase.Initialization);
        // Without any EM epoch the neurons already separate the blobs: they point at the k-means centres of the codes.
        Assert.True(Accuracy(Blobs, model.Predict(Blobs)) >= 0.95);
    }

    public static TheoryData<NeuralMixtureEmOptions, string> BadOptions => new()
    {
        { new NeuralMixtureEmOptions { Temperature = 0 }, "Temperature" },
        { new NeuralMixtureEmOptions { EStepTemperature = -1 }, "EStepTemperature" },
        { new NeuralMixtureEmOptions { EmWeight = -1 }, "EmWeight" },
        { new NeuralMixtureEmOptions { EmWeight = 0, ConsistencyWeight = 0 }, "EmWeight" },
        { new NeuralMixtureEmOptions { ConsistencyWeight = double.NaN }, "ConsistencyWeight" },
        { new NeuralMixtureEmOptions { Augment = false }, "ConsistencyWeight" },
        { new NeuralMixtureEmOptions { BalanceWeight = -0.5 }, "BalanceWeight" },
        { new NeuralMixtureEmOptions { MixingRate = 0 }, "MixingRate" },
        { new NeuralMixtureEmOptions { MixingFloor = 2 }, "MixingFloor" },
        { new NeuralMixtureEmOptions { UniformMixingEpochs = -1 }, "UniformMixingEpochs" },
        { new NeuralMixtureEmOptions { Normalization = (DensityNormalization)7 }, "Normalization" },
        { new NeuralMixtureEmOptions { Augmentation = new AugmentationOptions { Rotation = -5 } }, "Augmentation.Rotation" },
        { new NeuralMixtureEmOptions { Augmentation = null! }, "Augmentation" },
        { new NeuralMixtureEmOptions { Epochs = -1 }, "Epochs" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void InvalidOptionsAreRejectedByFitNamingTheOption(NeuralMixtureEmOptions options, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new NeuralMixtureEm(options with { Clusters = 3 }).Fit(Blobs));
        Assert.Equal(name, e.ParamName);
    }

    [Fact]
    public void ConvolutionalBackboneOnTabularDataIsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new NeuralMixtureEm(Tiny() with { Network = NetworkKind.Convolutional }).Fit(Blobs));
        Assert.Equal("Network", e.ParamName);
    }
}
