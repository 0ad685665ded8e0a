using DeepClustering.Core;
using DeepClustering.Metrics;
using DeepClustering.Models;
using DeepClustering.Networks;
using DeepClustering.Tests.Training;
using DeepClustering.Training;

namespace DeepClustering.Tests.Models;

public class MixtureOfAutoencodersTests
{
    private static MixtureOfAutoencodersOptions Tiny(MixtureOfAutoencodersVariant variant = MixtureOfAutoencodersVariant.Mixae, int seed = 1) => new()
    {
        Variant = variant, Clusters = 3, Seed = seed, AutoencoderHiddenSizes = new[] { 16 }, AutoencoderLatentSize = 2,
        AssignmentHiddenSize = 16, HiddenSizes = new[] { 8 }, Epochs = 12, BatchSize = 64, LearningRate = 3e-3,
    };

    private static DeepClustering.Data.Dataset Blobs(int rows = 240) => DeepTestData.Blobs(rows: rows, features: 12, clusters: 3, seed: 5);

    [Fact]
    public void ViewTrainingIsOnByDefaultOnlyForTheKMeansStartOnImagesOf16PixelsOrMore()
    {
        var kmeans = new MixtureOfAutoencodersOptions { Variant = MixtureOfAutoencodersVariant.Damic, Initialization = MixtureOfAutoencodersInitialization.KMeans, PretrainEpochs = 5 };
        var images16 = DeepTestData.Images(rows: 12, side: 16);
        var images8 = DeepTestData.Images(rows: 12, side: 8);
        var table = Blobs(30);
        Assert.True(kmeans.ToAutoencoderTrainerOptions(images16).Augment);
        Assert.False(kmeans.ToAutoencoderTrainerOptions(images8).Augment);
        Assert.False(kmeans.ToAutoencoderTrainerOptions(table).Augment);
        Assert.False(kmeans.ToAutoencoderTrainerOptions().Augment); // no data: a null choice counts as off
        Assert.False((kmeans with { PretrainAugment = false }).ToAutoencoderTrainerOptions(images16).Augment);
        Assert.False((kmeans with { Initialization = MixtureOfAutoencodersInitialization.Random }).ToAutoencoderTrainerOptions(images16).Augment);
        Assert.False(new AutoencoderMixtureOptions().ToAutoencoderTrainerOptions(images16).Augment);
        Assert.True(new AutoencoderMixtureOptions { PretrainAugment = true }.ToAutoencoderTrainerOptions(table).Augment);
    }

    [Theory]
    [InlineData(MixtureOfAutoencodersVariant.Mixae)]
    [InlineData(MixtureOfAutoencodersVariant.Damic)]
    public void BothVariantsSeparateWellSeparatedBlobsFromRandomWeights(MixtureOfAutoencodersVariant variant)
    {
        var data = Blobs();
        var seen = new List<TrainingProgress>();
        using var model = new MixtureOfAutoencoders(Tiny(variant) with { Epochs = 10, BatchSize = 32, LearningRate = 1e-2 }).Fit(data, new AutoencoderTrainerTests.SyncProgress(seen.Add));
        var labels = model.Predict(data);
        double acc = ClusterScores.Accuracy(data.Labels!.ToArray(), labels);
        Assert.True(acc >= 0.95, $"{variant}: accuracy {acc:F3} " + string.Join(" | ", seen.Select(p => $"{p.Iteration} {string.Join(",", p.ClusterSizes ?? Array.Empty<int>())} {string.Join(",", p.Terms?.Select(t => $"{t.Key}={t.Value:F3}") ?? Array.Empty<string>())}")));
        Assert.Equal(variant, model.Variant);
        Assert.Equal(10, model.Summary.Iterations);
        Assert.DoesNotContain(model.Summary.Warnings, w => w.Contains("assignment collapse"));
    }

    [Fact]
    public void TheInitialClusteringOptionPicksTheClusteringOfTheCodes()
    {
        // Regression: the mixture of autoencoders always ran k-means on the codes, whatever InitialClustering said.
        var data = Blobs();
        var options = Tiny(MixtureOfAutoencodersVariant.Damic) with
        {
            Initialization = MixtureOfAutoencodersInitialization.KMeans, PretrainEpochs = 3, WarmupEpochs = 1, Epochs = 1, InitialClusteringRestarts = 1,
        };
        List<TrainingProgress> Init(InitialClusteringKind kind)
        {
            var seen = new List<TrainingProgress>();
            using var model = new MixtureOfAutoencoders(options with { InitialClustering = kind }).Fit(data, new AutoencoderTrainerTests.SyncProgress(seen.Add));
            return seen.Where(p => p.Phase == TrainingPhase.Initialization).ToList();
        }
        var kmeans = Init(InitialClusteringKind.KMeans);
        var mixture = Init(InitialClusteringKind.GaussianMixture);
        Assert.NotEmpty(kmeans);
        Assert.NotEmpty(mixture);
        // k-means reports its inertia (positive); the Gaussian mixture its mean log-likelihood, a different objective.
        Assert.True(kmeans[^1].Objective > 0);
        Assert.NotEqual(kmeans[^1].Objective, mixture[^1].Objective);
    }

    [Theory]
    [InlineData(MixtureOfAutoencodersVariant.Damic)]
    [InlineData(MixtureOfAutoencodersVariant.Mixae)]
    public void KMeansInitializationPretrainsClustersTheCodesAndWarmsUpBeforeJointTraining(MixtureOfAutoencodersVariant variant)
    {
        var data = Blobs();
        var seen = new List<TrainingProgress>();
        var options = Tiny(variant) with
        {
            Initialization = MixtureOfAutoencodersInitialization.KMeans, PretrainEpochs = 8, PretrainLearningRate = 1e-2, WarmupEpochs = 3, Epochs = 3,
            InitialClusteringRestarts = 3, BatchSize = 32, LearningRate = 1e-2,
        };
        using var model = new MixtureOfAutoencoders(options).Fit(data, new AutoencoderTrainerTests.SyncProgress(seen.Add));
        Assert.Equal(8, seen.Count(p => p.Phase == TrainingPhase.Pretraining));
        Assert.Contains(seen, p => p.Phase == TrainingPhase.Initialization);
        var training = seen.Where(p => p.Phase == TrainingPhase.Training).ToList();
        Assert.Equal(6, training.Count);
        Assert.All(training.Take(3), p => Assert.Contains("crossEntropy", p.Terms!.Keys));
        Assert.All(training.Skip(3), p => Assert.Equal(0.2, p.Terms!["batchEntropyWeight"], 6));
        Assert.Equal(6, model.Summary.Iterations);
        double acc = ClusterScores.Accuracy(data.Labels!.ToArray(), model.Predict(data));
        Assert.True(acc >= 0.95, $"{variant}: accuracy {acc:F3} " + string.Join(" | ", seen.Select(p => $"{p.Phase} {p.Iteration} {string.Join(",", p.ClusterSizes ?? Array.Empty<int>())} {string.Join(",", p.Terms?.Select(t => $"{t.Key}={t.Value:F3}") ?? Array.Empty<string>())}")));
        // The pipeline's autoencoder was pretrained (its loss history is kept with the model).
        Assert.Equal(8, model.PretrainingLossHistory.Count);
    }

    [Fact]
    public void OutputsHaveTheDocumentedShapesAndPredictIsTheArgmax()
    {
        var data = Blobs(rows: 90);
        using var model = new MixtureOfAutoencoders(Tiny() with { Epochs = 2 }).Fit(data);
        var p = model.PredictProbabilities(data);
        var labels = model.Predict(data);
        Assert.Equal(new[] { 90, 3 }, new[] { p.GetLength(0), p.GetLength(1) });
        for (int i = 0; i < 90; i++)
        {
            double sum = 0;
            int best = 0;
            for (int k = 0; k < 3; k++) { sum += p[i, k]; if (p[i, k] > p[i, best]) best = k; }
            Assert.Equal(1.0, sum, 4);
            Assert.Equal(best, labels[i]);
        }
        var codes = model.Embed(data);
        Assert.Equal(new[] { 90, 3 * 2 }, new[] { codes.GetLength(0), codes.GetLength(1) });
        Assert.Equal(6, model.EmbeddingSize);
        var errors = model.ReconstructionErrors(data);
        Assert.Equal(new[] { 90, 3 }, new[] { errors.GetLength(0), errors.GetLength(1) });
        var reconstruction = model.Reconstruct(data);
        Assert.Equal(new[] { 90, 12 }, new[] { reconstruction.GetLength(0), reconstruction.GetLength(1) });
        Assert.Throws<ArgumentException>(() => model.Predict(DeepTestData.Blobs(rows: 10, features: 5)));
    }

    [Fact]
    public void ReconstructionUsesTheAssignedAutoencoderAndComesBackInOriginalUnits()
    {
        var data = Blobs();
        using var model = new MixtureOfAutoencoders(Tiny()).Fit(data);
        var labels = model.Predict(data);
        var errors = model.ReconstructionErrors(data);
        var reconstruction = model.Reconstruct(data);
        // The assigned autoencoder reconstructs its rows better than the others on average (each learned its cluster).
        double own = 0, other = 0;
        for (int i = 0; i < data.Rows; i++)
            for (int k = 0; k < 3; k++)
                if (k == labels[i]) own += errors[i, k]; else other += errors[i, k] / 2;
        Assert.True(own < 0.5 * other, $"own {own / data.Rows:F3}, other {other / data.Rows:F3}");
        double absolute = 0;
        for (int i = 0; i < data.Rows; i++)
            for (int j = 0; j < data.Columns; j++) absolute += Math.Abs(reconstruction[i, j] - data.Row(i)[j]);
        Assert.True(absolute / (data.Rows * data.Columns) < 1.0, $"mean absolute error {absolute / (data.Rows * data.Columns):F3}");
    }

    [Fact]
    public void SameSeedGivesIdenticalResultsAndAnotherSeedDiffers()
    {
        var data = Blobs(rows: 120);
        float[,] Probabilities(int seed)
        {
            using var model = new MixtureOfAutoencoders(Tiny(seed: seed) with { Epochs = 3 }).Fit(data);
            return model.PredictProbabilities(data);
        }
        Assert.True(DeepTestData.Same(Probabilities(4), Probabilities(4)));
        Assert.False(DeepTestData.Same(Probabilities(4), Probabilities(5)));
    }

    [Theory]
    [InlineData(MixtureOfAutoencodersVariant.Mixae)]
    [InlineData(MixtureOfAutoencodersVariant.Damic)]
    public void SaveAndLoadRoundTripGivesIdenticalOutputs(MixtureOfAutoencodersVariant variant)
    {
        var data = Blobs(rows: 90);
        using var model = new MixtureOfAutoencoders(Tiny(variant) with { Epochs = 2 }).Fit(data);
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        using var loaded = MixtureOfAutoencodersModel.Load(stream);
        Assert.Equal(variant, loaded.Variant);
        Assert.Equal(model.AutoencoderHiddenSizes, loaded.AutoencoderHiddenSizes);
        Assert.Equal(model.Summary.ObjectiveHistory, loaded.Summary.ObjectiveHistory);
        Assert.Equal(((MixtureOfAutoencodersOptions)model.Options).SampleEntropyWeight, ((MixtureOfAutoencodersOptions)loaded.Options).SampleEntropyWeight);
        Assert.True(DeepTestData.Same(model.PredictProbabilities(data), loaded.PredictProbabilities(data)));
        Assert.True(DeepTestData.Same(model.Embed(data), loaded.Embed(data)));
        Assert.True(DeepTestData.Same(model.Reconstruct(data), loaded.Reconstruct(data)));
        Assert.True(DeepTestData.Same(model.ReconstructionErrors(data), loaded.ReconstructionErrors(data)));
        Assert.Equal(model.Predict(data), loaded.Predict(data));
    }

    [Fact]
    public void LoadRejectsOtherAndDamagedFiles()
    {
        Assert.Throws<ModelFormatException>(() => MixtureOfAutoencodersModel.Load(new MemoryStream(new byte[] { 1, 2, 3 })));
        var data = Blobs(rows: 60);
        using var ae = new AutoencoderTrainer(new AutoencoderTrainerOptions { HiddenSizes = new[] { 8 }, LatentSize = 2, Epochs = 1 }).Fit(data);
        using var other = new MemoryStream();
        ae.Save(other);
        other.Position = 0;
        Assert.Throws<ModelFormatException>(() => MixtureOfAutoencodersModel.Load(other));
        using var model = new MixtureOfAutoencoders(Tiny() with { Epochs = 1 }).Fit(data);
        using var stream = new MemoryStream();
        model.Save(stream);
        var bytes = stream.ToArray();
        Array.Resize(ref bytes, bytes.Length / 2);
        Assert.Throws<ModelFormatException>(() => MixtureOfAutoencodersModel.Load(new MemoryStream(bytes)));
    }

    [Theory]
    [InlineData(MixtureOfAutoencodersVariant.Mixae)]
    [InlineData(MixtureOfAutoencodersVariant.Damic)]
    public void ProgressReportsTheThreeTermsTheBatchEntropyMaximumAndTheSchedule(MixtureOfAutoencodersVariant variant)
    {
        var seen = new List<TrainingProgress>();
        var options = Tiny(variant) with { Epochs = 6, SampleEntropyWeight = 0.5, EntropyRampFraction = 0.5 };
        using var model = new MixtureOfAutoencoders(options).Fit(Blobs(rows: 90), new AutoencoderTrainerTests.SyncProgress(seen.Add));
        var training = seen.Where(p => p.Phase == TrainingPhase.Training).ToList();
        Assert.Equal(6, training.Count);
        Assert.DoesNotContain(seen, p => p.Phase is TrainingPhase.Pretraining or TrainingPhase.Initialization);
        foreach (var p in training)
        {
            var t = p.Terms!;
            Assert.Equal(Math.Log(3), t["maxBatchEntropy"], 5);
            Assert.InRange(t["batchEntropy"], 0, Math.Log(3) + 1e-5);
            Assert.InRange(t["sampleEntropy"], 0, Math.Log(3) + 1e-5);
            Assert.True(t["reconstruction"] > 0);
            Assert.Equal(1.0, t["batchEntropyWeight"], 6);
            Assert.Equal(3, p.ClusterSizes!.Count);
            Assert.Equal(90, p.ClusterSizes.Sum());
        }
        var alpha = training.Select(p => p.Terms!["sampleEntropyWeight"]).ToArray();
        if (variant == MixtureOfAutoencodersVariant.Mixae)
            Assert.Equal(new[] { 0, 0.25, 0.5, 0.5, 0.5, 0.5 }, alpha.Select(a => Math.Round(a, 5)));
        else
        {
            Assert.All(alpha, a => Assert.Equal(0, a));
            Assert.All(training, p => Assert.True(p.Terms!.ContainsKey("negativeLogLikelihood")));
        }
        // The reconstruction error falls while the autoencoders learn their clusters.
        Assert.True(training[^1].Terms!["reconstruction"] < training[0].Terms!["reconstruction"]);
    }

    [Fact]
    public void TheAlphaRampIsLinearToTheConfiguredWeight()
    {
        var o = new MixtureOfAutoencodersOptions { SampleEntropyWeight = 0.3, EntropyRampFraction = 0.3 };
        Assert.Equal(0, o.SampleEntropyWeightAt(0, 20));
        Assert.Equal(0.3 * 3 / 5, o.SampleEntropyWeightAt(3, 20), 9); // ramp over ceil(0.3 * 20) = 6 epochs: 0 .. 5
        Assert.Equal(0.3, o.SampleEntropyWeightAt(5, 20), 9);
        Assert.Equal(0.3, o.SampleEntropyWeightAt(19, 20), 9);
        Assert.Equal(0.3, (o with { EntropyRampFraction = 0 }).SampleEntropyWeightAt(0, 20), 9);
    }

    [Fact]
    public void AnUnbalancedAssignmentIsDetectedAndReported()
    {
        var data = Blobs(rows: 90);
        // Ratio 1 flags any imbalance at all, so the detection path runs on a healthy fit.
        var strict = Tiny() with { Epochs = 3, CollapseEntropyRatio = 1.0 };
        using (var model = new MixtureOfAutoencoders(strict).Fit(data))
        {
            var warnings = model.Summary.Warnings.Where(w => w.Contains("assignment collapse")).ToList();
            Assert.InRange(warnings.Count, 1, 2); // when it first happens and at the end, not every epoch
            Assert.Contains("BatchEntropyWeight", warnings[0]);
            Assert.Contains("log K", warnings[0]);
        }
        var e = Assert.Throws<ClusteringNumericsException>(() =>
            new MixtureOfAutoencoders(strict with { OnCollapse = CollapseBehavior.Throw }).Fit(data));
        Assert.Contains("assignment collapse after epoch 1", e.Message);
    }

    [Fact]
    public void WithoutTheBatchEntropyTermAssignmentsCollapseAndTheFitSaysSo()
    {
        // One tight blob: nothing distinguishes the autoencoders, so with β = 0 and a strong α the winner takes all.
        var data = DeepTestData.Blobs(rows: 120, features: 12, clusters: 1, seed: 2, spread: 0.05);
        var options = Tiny() with { BatchEntropyWeight = 0, SampleEntropyWeight = 5, EntropyRampFraction = 0, Epochs = 10, BatchSize = 32, LearningRate = 1e-2 };
        var entropies = new List<double>();
        using var model = new MixtureOfAutoencoders(options).Fit(data, new AutoencoderTrainerTests.SyncProgress(p => { if (p.Terms is not null) entropies.Add(p.Terms["batchEntropy"]); }));
        var largest = model.Predict(data).GroupBy(l => l).Max(g => g.Count());
        Assert.True(largest > 0.9 * data.Rows, $"largest cluster {largest} of {data.Rows}");
        Assert.True(entropies[^1] < 0.5 * Math.Log(3), string.Join(", ", entropies));
        Assert.Contains(model.Summary.Warnings, w => w.Contains("assignment collapse"));
    }

    [Fact]
    public void CancellationAfterTheFirstEpochThrows()
    {
        using var cts = new CancellationTokenSource();
        int reports = 0;
        var progress = new AutoencoderTrainerTests.SyncProgress(_ => { reports++; cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => new MixtureOfAutoencoders(Tiny()).Fit(Blobs(rows: 90), progress, cts.Token));
        Assert.Equal(1, reports);
    }

    [Theory]
    [InlineData(nameof(MixtureOfAutoencodersOptions.Network))]
    [InlineData(nameof(MixtureOfAutoencodersOptions.PretrainEpochs))]
    [InlineData(nameof(MixtureOfAutoencodersOptions.SampleEntropyWeight))]
    [InlineData(nameof(MixtureOfAutoencodersOptions.BatchEntropyWeight))]
    [InlineData(nameof(MixtureOfAutoencodersOptions.EntropyRampFraction))]
    [InlineData(nameof(MixtureOfAutoencodersOptions.ReconstructionTemperature))]
    [InlineData(nameof(MixtureOfAutoencodersOptions.AutoencoderHiddenSizes))]
    [InlineData(nameof(MixtureOfAutoencodersOptions.AutoencoderLatentSize))]
    [InlineData(nameof(MixtureOfAutoencodersOptions.CollapseEntropyRatio))]
    [InlineData("KMeansWithoutPretraining")]
    public void InvalidOptionsNameTheOption(string option)
    {
        var o = Tiny();
        var bad = option switch
        {
            nameof(MixtureOfAutoencodersOptions.Network) => o with { Network = NetworkKind.Convolutional },
            nameof(MixtureOfAutoencodersOptions.PretrainEpochs) => o with { PretrainEpochs = 5 },
            nameof(MixtureOfAutoencodersOptions.SampleEntropyWeight) => o with { SampleEntropyWeight = -1 },
            nameof(MixtureOfAutoencodersOptions.BatchEntropyWeight) => o with { BatchEntropyWeight = double.NaN },
            nameof(MixtureOfAutoencodersOptions.EntropyRampFraction) => o with { EntropyRampFraction = 1.5 },
            nameof(MixtureOfAutoencodersOptions.ReconstructionTemperature) => o with { ReconstructionTemperature = 0 },
            nameof(MixtureOfAutoencodersOptions.AutoencoderHiddenSizes) => o with { AutoencoderHiddenSizes = new[] { 0 } },
            nameof(MixtureOfAutoencodersOptions.AutoencoderLatentSize) => o with { AutoencoderLatentSize = 0 },
            nameof(MixtureOfAutoencodersOptions.CollapseEntropyRatio) => o with { CollapseEntropyRatio = 2 },
            _ => o with { Initialization = MixtureOfAutoencodersInitialization.KMeans },
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new MixtureOfAutoencoders(bad).Fit(Blobs(rows: 30)));
        Assert.Equal(option == "KMeansWithoutPretraining" ? nameof(MixtureOfAutoencodersOptions.PretrainEpochs) : option, e.ParamName);
    }

    [Fact]
    public void DefaultsAreTheDocumentedOnes()
    {
        var o = new MixtureOfAutoencodersOptions();
        Assert.Equal(MixtureOfAutoencodersVariant.Mixae, o.Variant);
        Assert.Equal(MixtureOfAutoencodersInitialization.Random, o.Initialization);
        Assert.Equal(0, o.PretrainEpochs);
        Assert.Equal(15, o.Epochs);
        Assert.Equal(NoiseKind.Masking, o.PretrainNoise); // the k-means initialisation pretrains a denoising autoencoder, as ae-gmm
        Assert.Equal(1e-3, o.LearningRate);
        Assert.Equal(1.0, o.ResolvedBatchEntropyWeight);
        Assert.Equal(0.2, (o with { Initialization = MixtureOfAutoencodersInitialization.KMeans }).ResolvedBatchEntropyWeight);
        Assert.Equal(0.5, (o with { BatchEntropyWeight = 0.5 }).ResolvedBatchEntropyWeight);
        Assert.Equal(new[] { 256, 64 }, MixtureOfAutoencodersOptions.DefaultAutoencoderHiddenSizes(784));
        Assert.Equal(new[] { 64 }, MixtureOfAutoencodersOptions.DefaultAutoencoderHiddenSizes(13));
        o.Validate();
    }
}
