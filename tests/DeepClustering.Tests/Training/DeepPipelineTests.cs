using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Mixtures;
using DeepClustering.Training;
using static DeepClustering.Tests.Training.AutoencoderTrainerTests;

namespace DeepClustering.Tests.Training;

public class DeepPipelineTests
{
    internal static ToyOptions Tiny(int seed = 1) => new()
    {
        Seed = seed, Clusters = 3, LatentSize = 2, HiddenSizes = new[] { 16 }, BatchSize = 32,
        PretrainEpochs = 3, Epochs = 3, LearningRate = 1e-3,
    };

    private static readonly Dataset Data = DeepTestData.Blobs(rows: 150, features: 8);

    [Fact]
    public void FitRunsTheHooksInOrderAndGivesConsistentOutputs()
    {
        var toy = new Toy(Tiny());
        using var model = toy.Fit(Data);
        Assert.Equal(new[] { "CreateHead", "Initialize(null)", "BeginEpoch(0)", "EndEpoch(0)", "BeginEpoch(1)", "EndEpoch(1)",
            "BeginEpoch(2)", "EndEpoch(2)", "CreateModel" }, toy.Calls);
        Assert.Equal(3, model.Clusters);
        Assert.Equal(8, model.Features);
        Assert.Equal(2, model.LatentSize);
        var labels = model.Predict(Data);
        Assert.Equal(Data.Rows, labels.Length);
        Assert.All(labels, l => Assert.InRange(l, 0, 2));
        var p = model.PredictProbabilities(Data);
        Assert.Equal(new[] { Data.Rows, 3 }, new[] { p.GetLength(0), p.GetLength(1) });
        for (int i = 0; i < Data.Rows; i++)
        {
            Assert.Equal(1.0, p[i, 0] + p[i, 1] + p[i, 2], 4);
            int arg = p[i, 0] >= p[i, 1] && p[i, 0] >= p[i, 2] ? 0 : p[i, 1] >= p[i, 2] ? 1 : 2;
            Assert.Equal(arg, labels[i]);
        }
        Assert.Equal(new[] { Data.Rows, 2 }, Shape(model.Embed(Data)));
        Assert.Equal(new[] { Data.Rows, 8 }, Shape(model.Reconstruct(Data)));
        Assert.Equal(3, model.Summary.Iterations);
        Assert.Equal(3, model.Summary.ObjectiveHistory.Count);
        Assert.True(model.Summary.Converged);
        Assert.Equal(3, model.PretrainingLossHistory.Count);
        Assert.Throws<ArgumentException>(() => model.Predict(DeepTestData.Blobs(rows: 5, features: 4)));
    }

    [Fact]
    public void ProgressReportsPhasesEpochsTermsAndSizes()
    {
        var seen = new List<TrainingProgress>();
        using var model = new Toy(Tiny()).Fit(Data, new SyncProgress(seen.Add));
        Assert.Equal(new[] { TrainingPhase.Pretraining, TrainingPhase.Pretraining, TrainingPhase.Pretraining,
            TrainingPhase.Training, TrainingPhase.Training, TrainingPhase.Training, TrainingPhase.Finalizing }, seen.Select(s => s.Phase));
        var training = seen.Where(s => s.Phase == TrainingPhase.Training).ToList();
        Assert.Equal(new[] { 1, 2, 3 }, training.Select(t => t.Iteration));
        Assert.All(training, t =>
        {
            Assert.Equal(Data.Rows, t.ClusterSizes!.Sum());
            Assert.True(t.Terms!.ContainsKey("reconstruction") && t.Terms.ContainsKey("distortion"));
            Assert.True(double.IsFinite(t.Objective));
        });
        Assert.Equal(model.Summary.ObjectiveHistory, training.Select(t => t.Objective));
        Assert.Equal(Data.Rows, seen[^1].ClusterSizes!.Sum());
    }

    [Fact]
    public async Task SameSeedGivesSameLabelsAlsoOnTwoThreadsAtOnce()
    {
        (int[] Labels, float[,] Probabilities) Run(int seed)
        {
            using var m = new Toy(Tiny(seed)).Fit(Data);
            return (m.Predict(Data), m.PredictProbabilities(Data));
        }
        var first = Run(4);
        var both = await Task.WhenAll(Task.Run(() => Run(4)), Task.Run(() => Run(4)));
        foreach (var r in both)
        {
            Assert.Equal(first.Labels, r.Labels);
            Assert.True(DeepTestData.Same(first.Probabilities, r.Probabilities));
        }
        Assert.False(DeepTestData.Same(first.Probabilities, Run(5).Probabilities));
    }

    [Fact]
    public void JointAugmentFeedsViewsToTheLossAndStaysDeterministic()
    {
        var plain = new Toy(Tiny());
        using (plain.Fit(Data)) Assert.All(plain.InputChanges, change => Assert.Equal(0f, change));

        int[] Labels(Toy toy) { using var model = toy.Fit(Data); return model.Predict(Data); }
        var first = new Toy(Tiny() with { JointAugment = true, PretrainAugment = true });
        var second = new Toy(Tiny() with { JointAugment = true, PretrainAugment = true });
        Assert.Equal(Labels(first), Labels(second));
        Assert.Equal(Tiny().Epochs * 5, first.InputChanges.Count); // 150 rows in batches of 32
        Assert.All(first.InputChanges, change => Assert.True(change > 0.01f, $"largest change {change}"));
        Assert.Equal(first.InputChanges, second.InputChanges);
    }

    [Fact]
    public void SaveAndLoadRoundTripRestoresTheWholeModel()
    {
        using var model = new Toy(Tiny() with { Temperature = 0.5 }).Fit(Data);
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        using var loaded = ToyModel.Load(stream);
        Assert.Equal(model.Predict(Data), loaded.Predict(Data));
        Assert.True(DeepTestData.Same(model.PredictProbabilities(Data), loaded.PredictProbabilities(Data)));
        Assert.True(DeepTestData.Same(model.Embed(Data), loaded.Embed(Data)));
        Assert.True(DeepTestData.Same(model.Reconstruct(Data), loaded.Reconstruct(Data)));
        Assert.Equal(model.Summary.ObjectiveHistory, loaded.Summary.ObjectiveHistory);
        Assert.Equal(model.Summary.Iterations, loaded.Summary.Iterations);
        Assert.Equal(0.5, loaded.Options.Temperature);
        Assert.Equal(model.Architecture, loaded.Architecture);

        stream.Position = 0;
        var wrongType = Assert.Throws<ModelFormatException>(() => Autoencoder.Load(stream));
        Assert.Contains("Toy", wrongType.Message);
        var bytes = stream.ToArray();
        Array.Resize(ref bytes, bytes.Length - 100);
        Assert.Throws<ModelFormatException>(() => ToyModel.Load(new MemoryStream(bytes)));
    }

    [Fact]
    public void CancellationDuringJointTrainingThrowsAndReturnsNoModel()
    {
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Phase == TrainingPhase.Training) cts.Cancel(); });
        var toy = new Toy(Tiny());
        Assert.ThrowsAny<OperationCanceledException>(() => toy.Fit(Data, progress, cts.Token));
        Assert.DoesNotContain("CreateModel", toy.Calls);
    }

    [Fact]
    public void CollapseIsReportedWithTheOptionToChange()
    {
        var seen = new List<TrainingProgress>();
        using var model = new Toy(Tiny() with { Mode = 1 }).Fit(Data, new SyncProgress(seen.Add));
        var warning = Assert.Single(model.Summary.Warnings, w => w.Contains("epoch 1"));
        Assert.Contains("collapse", warning);
        Assert.Contains("raise ClusteringWeight", warning);
        Assert.Contains(seen, p => p.Phase == TrainingPhase.Training && p.Message is not null && p.Message.Contains("collapse"));
        Assert.All(model.Predict(Data), l => Assert.Equal(0, l));

        var e = Assert.Throws<ClusteringNumericsException>(() => new Toy(Tiny() with { Mode = 1, OnCollapse = CollapseBehavior.Throw }).Fit(Data));
        Assert.Contains("raise ClusteringWeight", e.Message);
    }

    [Theory]
    [InlineData(InitialClusteringKind.KMeans)]
    [InlineData(InitialClusteringKind.GaussianMixture)]
    public void InitialClusteringOfTheCodesSeedsTheHead(InitialClusteringKind kind)
    {
        var seen = new List<TrainingProgress>();
        var toy = new Toy(Tiny() with { UseInitialClustering = true, InitialClustering = kind, InitialClusteringRestarts = 2, Epochs = 0 });
        using var model = toy.Fit(Data, new SyncProgress(seen.Add));
        Assert.Contains("Initialize", toy.Calls);
        var init = seen.Where(p => p.Phase == TrainingPhase.Initialization).ToList();
        Assert.NotEmpty(init);
        Assert.Equal(Data.Rows, init[^1].ClusterSizes!.Sum());
        Assert.Equal(3, init[^1].ClusterSizes!.Count(s => s > 0));
        // The toy head assigns to the nearest centre; seeded with the k-means centroids (and no joint training)
        // it reproduces the k-means partition.
        if (kind == InitialClusteringKind.KMeans) Assert.Equal(init[^1].ClusterSizes, seen[^1].ClusterSizes);
    }

    [Theory]
    [InlineData(CovarianceType.Diagonal)]
    [InlineData(CovarianceType.Full)]
    public void TheInitialMixtureUsesTheRequestedCovariance(CovarianceType covariance)
    {
        var options = Tiny() with { UseInitialClustering = true, InitialClustering = InitialClusteringKind.GaussianMixture, Epochs = 0 };
        Assert.Equal(CovarianceType.Diagonal, options.InitialClusteringCovariance);
        var toy = new Toy(options with { InitialClusteringCovariance = covariance });
        using var model = toy.Fit(Data);
        Assert.Contains($"InitialMixture({covariance})", toy.Calls);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Toy(options with { InitialClusteringCovariance = (CovarianceType)42 }).Fit(Data));
        Assert.Equal("InitialClusteringCovariance", e.ParamName);
    }

    [Fact]
    public void NaNLossStopsWithTheLearningRateAdvice()
    {
        var e = Assert.Throws<ClusteringNumericsException>(() => new Toy(Tiny() with { Mode = 2 }).Fit(Data));
        Assert.Contains("LearningRate", e.Message);
        Assert.Contains("epoch 1", e.Message);
    }

    [Fact]
    public void EndEpochCanStopEarly()
    {
        var toy = new Toy(Tiny() with { Mode = 3, Epochs = 10 });
        using var model = toy.Fit(Data);
        Assert.Equal(2, model.Summary.Iterations);
        Assert.True(model.Summary.Converged);
    }

    [Fact]
    public void APretrainedAutoencoderIsReusedAndNotChanged()
    {
        using var ae = new AutoencoderTrainer(Tiny().ToAutoencoderTrainerOptions()).Fit(Data);
        var before = ae.Encode(Data);
        var seen = new List<TrainingProgress>();
        using var model = new Toy(Tiny() with { PretrainedAutoencoder = ae, HiddenSizes = new[] { 99 } }).Fit(Data, new SyncProgress(seen.Add));
        Assert.DoesNotContain(seen, p => p.Phase == TrainingPhase.Pretraining);
        Assert.Equal(ae.Architecture, model.Architecture);
        Assert.Equal(ae.LossHistory, model.PretrainingLossHistory);
        Assert.True(DeepTestData.Same(before, ae.Encode(Data)));
        Assert.False(DeepTestData.Same(before, model.Embed(Data))); // the model fine-tuned its own copy

        // Pretraining inside the fit with the same settings and seed gives the same autoencoder.
        using var zeroEpochs = new Toy(Tiny() with { Epochs = 0 }).Fit(Data);
        Assert.True(DeepTestData.Same(before, zeroEpochs.Embed(Data)));

        var e = Assert.Throws<ArgumentException>(() => new Toy(Tiny() with { PretrainedAutoencoder = ae }).Fit(DeepTestData.Blobs(rows: 50, features: 5)));
        Assert.Contains("PretrainedAutoencoder", e.Message);
    }

    [Fact]
    public void RestartsWarmUpEveryAttemptAndTheLowestLossTrainsOn()
    {
        var toy = new Toy(Tiny() with { Restarts = 3, RestartEpochs = 2, Epochs = 4 });
        var seen = new List<TrainingProgress>();
        using var model = toy.Fit(Data, new SyncProgress(seen.Add));
        // Three attempts of two warm-up epochs each, then the winner's epochs 3 and 4.
        Assert.Equal(new[] { "CreateHead", "Initialize(null)", "BeginEpoch(0)", "EndEpoch(0)", "BeginEpoch(1)", "EndEpoch(1)" },
            toy.Calls.Take(6));
        Assert.Equal(3, toy.Calls.Count(c => c == "CreateHead"));
        Assert.Equal(3 * 2 + 2, toy.Calls.Count(c => c.StartsWith("EndEpoch", StringComparison.Ordinal)));
        Assert.Equal(new[] { "BeginEpoch(2)", "EndEpoch(2)", "BeginEpoch(3)", "EndEpoch(3)", "CreateModel" }, toy.Calls.TakeLast(5));
        Assert.Equal(new[] { 0, 1, 2 }, seen.Where(p => p.Phase == TrainingPhase.Pretraining).Select(p => p.Restart).Distinct());

        var warmUp = seen.Where(p => p.Phase == TrainingPhase.Training && p.Iteration == 2).ToList();
        Assert.Equal(new[] { 0, 1, 2 }, warmUp.Select(p => p.Restart));
        int winner = warmUp.MinBy(p => p.Objective)!.Restart;
        Assert.Equal(winner, model.Summary.BestRestart);
        Assert.Equal(new[] { 3, 4 }, seen.Where(p => p.Phase == TrainingPhase.Training && p.Iteration > 2).Select(p => p.Iteration));
        Assert.All(seen.Where(p => p.Phase == TrainingPhase.Training && p.Iteration > 2), p => Assert.Equal(winner, p.Restart));
        // The winner's history is its warm-up plus the rest: four epochs.
        Assert.Equal(4, model.Summary.ObjectiveHistory.Count);
        Assert.Equal(warmUp.Single(p => p.Restart == winner).Objective, model.Summary.ObjectiveHistory[1], 6);

        // Attempts differ (own random streams) and the whole fit is reproducible.
        Assert.NotEqual(warmUp[0].Objective, warmUp[1].Objective);
        using var again = new Toy(Tiny() with { Restarts = 3, RestartEpochs = 2, Epochs = 4 }).Fit(Data);
        Assert.True(DeepTestData.Same(model.PredictProbabilities(Data), again.PredictProbabilities(Data)));
    }

    [Fact]
    public void RestartsWithoutJointTrainingRunOnceAndSaySo()
    {
        var toy = new Toy(Tiny() with { Restarts = 3, Epochs = 0 });
        using var model = toy.Fit(Data);
        Assert.Equal(1, toy.Calls.Count(c => c == "CreateHead"));
        Assert.Contains(model.Summary.Warnings, w => w.Contains("Restarts = 3 was not used", StringComparison.Ordinal));
        using var single = new Toy(Tiny() with { Epochs = 0 }).Fit(Data);
        Assert.True(DeepTestData.Same(single.PredictProbabilities(Data), model.PredictProbabilities(Data)));
        Assert.Empty(single.Summary.Warnings);
    }

    [Fact]
    public void CancellationDuringALaterRestartThrowsAndReturnsNoModel()
    {
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Phase == TrainingPhase.Training && p.Restart == 1) cts.Cancel(); });
        var toy = new Toy(Tiny() with { Restarts = 3, RestartEpochs = 2, Epochs = 4 });
        Assert.ThrowsAny<OperationCanceledException>(() => toy.Fit(Data, progress, cts.Token));
        Assert.Equal(2, toy.Calls.Count(c => c == "CreateHead")); // the third attempt never started
        Assert.DoesNotContain("CreateModel", toy.Calls);
    }

    [Fact]
    public void OneRestartIsTheSingleFit()
    {
        using var single = new Toy(Tiny()).Fit(Data);
        using var restarted = new Toy(Tiny() with { Restarts = 1, RestartEpochs = 1 }).Fit(Data);
        Assert.True(DeepTestData.Same(single.PredictProbabilities(Data), restarted.PredictProbabilities(Data)));
        Assert.Equal(0, single.Summary.BestRestart);
    }

    [Fact]
    public void InvalidOptionsAndDataAreRejected()
    {
        Assert.Equal("Clusters", Assert.Throws<ArgumentOutOfRangeException>(() => new Toy(Tiny() with { Clusters = 0 }).Fit(Data)).ParamName);
        Assert.Equal("Temperature", Assert.Throws<ArgumentOutOfRangeException>(() => new Toy(Tiny() with { Temperature = 0 }).Fit(Data)).ParamName);
        Assert.Equal("CollapseThreshold", Assert.Throws<ArgumentOutOfRangeException>(() => new Toy(Tiny() with { CollapseThreshold = 2 }).Fit(Data)).ParamName);
        Assert.Equal("Restarts", Assert.Throws<ArgumentOutOfRangeException>(() => new Toy(Tiny() with { Restarts = 0 }).Fit(Data)).ParamName);
        Assert.Equal("RestartEpochs", Assert.Throws<ArgumentOutOfRangeException>(() => new Toy(Tiny() with { RestartEpochs = 0 }).Fit(Data)).ParamName);

        Assert.Throws<ArgumentException>(() => new Toy(Tiny() with { Clusters = 5 }).Fit(DeepTestData.Blobs(rows: 4)));
    }

    private static int[] Shape(float[,] a) => new[] { a.GetLength(0), a.GetLength(1) };
}
