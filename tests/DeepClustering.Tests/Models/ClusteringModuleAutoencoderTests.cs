using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Metrics;
using DeepClustering.Models;
using DeepClustering.Networks;
using DeepClustering.Tests.Mixtures;
using DeepClustering.Tests.Training;
using DeepClustering.Training;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Models;

/// <summary>One small AE-CM fit shared by the tests that only inspect a fitted model.</summary>
public sealed class ClusteringModuleAutoencoderFixture : IDisposable
{
    public ClusteringModuleAutoencoderFixture()
    {
        Progress = new List<TrainingProgress>();
        Model = new ClusteringModuleAutoencoder(Options).Fit(Data, new SyncProgress(Progress.Add));
    }

    public static ClusteringModuleAutoencoderOptions Options => ClusteringModuleAutoencoderTests.Tiny();

    public Dataset Data { get; } = DeepTestData.Blobs(rows: 300);

    public ClusteringModuleAutoencoderModel Model { get; }

    public List<TrainingProgress> Progress { get; }

    public void Dispose() => Model.Dispose();
}

public class ClusteringModuleAutoencoderTests(ClusteringModuleAutoencoderFixture fixture) : IClassFixture<ClusteringModuleAutoencoderFixture>
{
    internal static ClusteringModuleAutoencoderOptions Tiny(int seed = 1) => new()
    {
        Clusters = 3, Seed = seed, HiddenSizes = new[] { 32, 16 }, LatentSize = 3, BatchSize = 32,
        PretrainEpochs = 15, Epochs = 5, ModuleWarmupEpochs = 10, ReconstructionWeight = 1, InitialClusteringRestarts = 3,
    };

    [Fact]
    public void PretrainedInitialisationClustersBlobsJointly()
    {
        var data = fixture.Data;
        var progress = fixture.Progress;
        var model = fixture.Model;
        var labels = model.Predict(data);
        double ari = ClusterScores.AdjustedRandIndex(data.Labels!, labels);
        Assert.True(ari >= 0.95, $"ARI {ari}");
        Assert.Equal(6, model.Summary.Iterations); // 5 joint epochs + the averaging epoch
        Assert.Equal(15, model.PretrainingLossHistory.Count);
        var training = progress.Where(p => p.Phase == TrainingPhase.Training).ToList();
        Assert.Equal(6, training.Count);
        Assert.All(training, p => Assert.Equal(6, p.TotalIterations));
        Assert.Equal(new[] { "codeReconstruction", "dirichletPrior", "orthonormality", "reconstruction", "sparsity" }, training[^1].Terms!.Keys.Order());
        Assert.Equal(TrainingPhase.Finalizing, progress[^1].Phase);
        Assert.Empty(model.Summary.Warnings);

        Assert.Equal(new[] { 300, 3 }, Shape(model.Embed(data)));
        Assert.Equal(new[] { 300, 12 }, Shape(model.Reconstruct(data)));
        Assert.Equal(new[] { 3, 3 }, Shape(model.Centroids));
        Assert.Equal(new[] { 3, 12 }, Shape(model.Prototypes));
        var p = model.PredictProbabilities(data);
        for (int i = 0; i < 300; i++) Assert.Equal(1, p[i, 0] + p[i, 1] + p[i, 2], 4);
    }

    [Fact]
    public void OrthonormalityPenaltyFallsDuringJointTraining()
    {
        var training = fixture.Progress.Where(p => p.Phase == TrainingPhase.Training).ToList();
        double first = training[0].Terms!["orthonormality"], last = training[^1].Terms!["orthonormality"];
        Assert.True(last < first, $"orthonormality term {first} -> {last}");
        using var scope = NewDisposeScope();
        double penalty = ClusteringModuleLoss.Orthonormality(tensor(fixture.Model.Centroids)).item<float>();
        Assert.True(penalty * fixture.Model.Options.OrthonormalityWeight < first, $"λ‖UUᵀ − I‖² = {penalty * fixture.Model.Options.OrthonormalityWeight}, first epoch {first}");
    }

    [Fact]
    public void RandomInitialisationWithoutPretrainingTrainsFromScratch()
    {
        // The authors' "rand": no pretraining, Glorot weights, everything trained jointly from the first step.
        var data = DeepTestData.Blobs(rows: 150);
        var options = Tiny() with { PretrainEpochs = 0, Init = ClusteringModuleInit.Random, Epochs = 20 };
        using var model = new ClusteringModuleAutoencoder(options).Fit(data);
        Assert.Empty(model.PretrainingLossHistory);
        Assert.Equal(21, model.Summary.ObjectiveHistory.Count);
        Assert.True(model.Summary.ObjectiveHistory[^1] < model.Summary.ObjectiveHistory[0]);
        double ari = ClusterScores.AdjustedRandIndex(data.Labels!, model.Predict(data));
        Assert.True(ari >= 0.4, $"ARI {ari}"); // 100 steps from scratch: far from done, but well above chance
    }

    [Fact]
    public void SameSeedGivesIdenticalLabelsAndSaveLoadRoundTrips()
    {
        var data = fixture.Data;
        var a = fixture.Model;
        using var b = new ClusteringModuleAutoencoder(ClusteringModuleAutoencoderFixture.Options).Fit(data);
        Assert.Equal(a.Predict(data), b.Predict(data));
        Assert.True(DeepTestData.Same(a.Centroids, b.Centroids));
        Assert.Equal(a.Summary.ObjectiveHistory, b.Summary.ObjectiveHistory);

        using var stream = new MemoryStream();
        a.Save(stream);
        stream.Position = 0;
        using var loaded = ClusteringModuleAutoencoderModel.Load(stream);
        Assert.Equal(a.Predict(data), loaded.Predict(data));
        Assert.True(ClusteringModuleTests.MaxDifference(a.PredictProbabilities(data), loaded.PredictProbabilities(data)) <= 1e-6);
        Assert.True(ClusteringModuleTests.MaxDifference(a.Embed(data), loaded.Embed(data)) <= 1e-5);
        Assert.True(ClusteringModuleTests.MaxDifference(a.Prototypes, loaded.Prototypes) <= 1e-5);
        Assert.True(DeepTestData.Same(a.Centroids, loaded.Centroids));
        Assert.Equal(a.Options.ReconstructionWeight, loaded.Options.ReconstructionWeight);
        Assert.Equal(a.Options.Init, loaded.Options.Init);
        Assert.Equal(a.Architecture, loaded.Architecture);
        Assert.Equal(a.Summary.ObjectiveHistory, loaded.Summary.ObjectiveHistory);
        stream.Position = 0;
        Assert.Throws<ModelFormatException>(() => ClusteringModuleModel.Load(stream));
    }

    [Fact]
    public void CodesAreNormalisedButTheAutoencoderFunctionIsKept()
    {
        // With NormalizeCodes the module sees centred codes whose k-means centres have unit RMS norm; the decoder undoes
        // the shift and scale, so reconstructions still match the inputs.
        var data = fixture.Data;
        var codes = fixture.Model.Embed(data);
        double meanNorm = 0;
        for (int i = 0; i < data.Rows; i++) meanNorm += codes[i, 0] * codes[i, 0] + codes[i, 1] * codes[i, 1] + codes[i, 2] * codes[i, 2];
        Assert.InRange(meanNorm / data.Rows, 0.2, 5);
        var r = fixture.Model.Reconstruct(data);
        double err = 0;
        for (int i = 0; i < data.Rows; i++) for (int j = 0; j < data.Columns; j++) err += Math.Abs(r[i, j] - data.Row(i)[j]);
        Assert.True(err / (data.Rows * data.Columns) < 1.5, $"mean absolute reconstruction error {err / (data.Rows * data.Columns)}");
    }

    [Fact]
    public void WhitenedStartGivesCodesWithRoundClustersAndKeepsTheAutoencoderFunction()
    {
        // Without joint training or warm-up the module sits at its start: the partition of k-means in the
        // within-cluster metric. In the module's code space those clusters are round (pooled within-cluster
        // covariance a multiple of I), while the decoder still reconstructs through A⁻¹.
        var data = DeepTestData.Blobs(rows: 240, seed: 11);
        var options = Tiny() with { Epochs = 0, ModuleWarmupEpochs = 0, WhiteningRounds = 4 };
        using var model = new ClusteringModuleAutoencoder(options).Fit(data);
        var codes = model.Embed(data);
        var labels = model.Predict(data);
        int d = codes.GetLength(1);
        var within = new double[d, d];
        for (int k = 0; k < 3; k++)
        {
            var rows = Enumerable.Range(0, data.Rows).Where(i => labels[i] == k).ToArray();
            Assert.NotEmpty(rows);
            var mean = new double[d];
            foreach (var i in rows) for (int a = 0; a < d; a++) mean[a] += codes[i, a] / rows.Length;
            foreach (var i in rows)
                for (int a = 0; a < d; a++)
                    for (int b = 0; b < d; b++) within[a, b] += (codes[i, a] - mean[a]) * (codes[i, b] - mean[b]) / data.Rows;
        }
        double level = Enumerable.Range(0, d).Average(a => within[a, a]);
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++)
                Assert.True(Math.Abs(within[a, b] / level - (a == b ? 1 : 0)) < 1e-3, $"within[{a},{b}] = {within[a, b]}, level {level}");
        // The codes are not round overall: the whitening is by the within-cluster, not the total, covariance.
        Assert.True(level < 0.5, $"within-cluster level {level} against centres of unit RMS norm");

        using var plain = new ClusteringModuleAutoencoder(options with { WhiteningRounds = 0 }).Fit(data);
        Assert.True(ClusteringModuleTests.MaxDifference(model.Reconstruct(data), plain.Reconstruct(data)) < 1e-4,
            "the whitening changed what the autoencoder computes");
    }

    [Fact]
    public void FilesWrittenBeforeTheWhiteningLoadWithoutIt()
    {
        var data = DeepTestData.Blobs(rows: 120);
        using var model = new ClusteringModuleAutoencoder(Tiny() with { Epochs = 2, ModuleWarmupEpochs = 2, WhiteningRounds = 0 }).Fit(data);
        using var saved = new MemoryStream();
        model.Save(saved);

        // A format-1 file: the same archive without the head's whitening buffers.
        using var old = AsVersionOne(saved.ToArray(), dropWhitening: true);
        using var loaded = ClusteringModuleAutoencoderModel.Load(old);
        Assert.Equal(model.Predict(data), loaded.Predict(data));
        Assert.True(ClusteringModuleTests.MaxDifference(model.Embed(data), loaded.Embed(data)) <= 1e-6);

        // A format-2 file must have them.
        using var damaged = AsVersionOne(saved.ToArray(), dropWhitening: true, version: 2);
        var error = Assert.Throws<ModelFormatException>(() => ClusteringModuleAutoencoderModel.Load(damaged));
        Assert.Contains("head/whiten", error.Message);
    }

    private static MemoryStream AsVersionOne(byte[] file, bool dropWhitening, int version = 1)
    {
        var copy = new MemoryStream();
        copy.Write(file);
        using (var zip = new System.IO.Compression.ZipArchive(copy, System.IO.Compression.ZipArchiveMode.Update, leaveOpen: true))
        {
            var entry = zip.GetEntry("manifest.json")!;
            System.Text.Json.Nodes.JsonObject manifest;
            using (var s = entry.Open()) manifest = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(s)!;
            entry.Delete();
            manifest["formatVersion"] = version;
            if (dropWhitening)
            {
                var tensors = (System.Text.Json.Nodes.JsonArray)manifest["tensors"]!;
                foreach (var t in tensors.Where(t => (string?)t!["name"] is "head/whiten" or "head/unwhiten").ToList()) tensors.Remove(t);
                zip.GetEntry("tensors/head/whiten")?.Delete();
                zip.GetEntry("tensors/head/unwhiten")?.Delete();
            }
            using var w = new StreamWriter(zip.CreateEntry("manifest.json").Open());
            w.Write(manifest.ToJsonString());
        }
        copy.Position = 0;
        return copy;
    }

    [Fact]
    public void ReusesAPretrainedAutoencoderWithoutChangingIt()
    {
        var data = DeepTestData.Blobs(rows: 150);
        var options = Tiny() with { Epochs = 3, ModuleWarmupEpochs = 3, AveragingEpoch = false };
        using var ae = new AutoencoderTrainer(options.ToAutoencoderTrainerOptions()).Fit(data);
        var before = ae.Encode(data);
        using var model = new ClusteringModuleAutoencoder(options with { PretrainedAutoencoder = ae }).Fit(data);
        Assert.True(DeepTestData.Same(before, ae.Encode(data)));
        Assert.Equal(ae.LossHistory, model.PretrainingLossHistory);
        Assert.Equal(3, model.Summary.Iterations); // no averaging epoch
        using var tuned = model.ToAutoencoder();
        Assert.False(DeepTestData.Same(before, tuned.Encode(data))); // the model fine-tuned its own copy
        var wrong = Assert.Throws<ArgumentException>(() =>
            new ClusteringModuleAutoencoder(options with { PretrainedAutoencoder = ae }).Fit(DeepTestData.Blobs(rows: 50, features: 7)));
        Assert.Contains("expects 12 features", wrong.Message);
    }

    [Fact]
    public void WeightAveragingLoadsTheMeanOfTheSnapshots()
    {
        using var scope = NewDisposeScope();
        var p = new TorchSharp.Modules.Parameter(tensor(new float[] { 1, 2 }));
        using var average = new WeightAveraging(new[] { p });
        using (no_grad())
        {
            p.copy_(tensor(new float[] { 3, 5 })); average.Add();
            p.copy_(tensor(new float[] { 5, 9 })); average.Add();
            p.copy_(tensor(new float[] { 10, 1 })); average.Add();
        }
        Assert.Equal(3, average.Count);
        average.Apply();
        Assert.Equal(new float[] { 6, 5 }, p.data<float>().ToArray());
    }

    [Fact]
    public void BadInputAndOptionsGiveClearErrors()
    {
        var data = DeepTestData.Blobs(rows: 60);
        var tooFew = Assert.Throws<ArgumentException>(() => new ClusteringModuleAutoencoder(Tiny() with { Clusters = 61 }).Fit(data));
        Assert.Contains("Clusters = 61", tooFew.Message);
        foreach (var (bad, name) in new (ClusteringModuleAutoencoderOptions, string)[]
        {
            (Tiny() with { ReconstructionWeight = -1 }, "ReconstructionWeight"),
            (Tiny() with { OrthonormalityWeight = double.NaN }, "OrthonormalityWeight"),
            (Tiny() with { AdamEpsilon = 0 }, "AdamEpsilon"),
            (Tiny() with { ModuleWarmupEpochs = -1 }, "ModuleWarmupEpochs"),
            (Tiny() with { WhiteningRounds = -1 }, "WhiteningRounds"),
            (Tiny() with { DirichletConcentration = -0.5 }, "DirichletConcentration"),
            (Tiny() with { Init = (ClusteringModuleInit)9 }, "Init"),
            (Tiny() with { LearningRate = 0 }, "LearningRate"),
        })
            Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => new ClusteringModuleAutoencoder(bad).Fit(data)).ParamName);

        var width = Assert.Throws<ArgumentException>(() => fixture.Model.Predict(DeepTestData.Blobs(rows: 10, features: 5)));
        Assert.Contains("12 features", width.Message);
    }

    [Fact]
    public void CollapseIsDetectedThroughThePipeline()
    {
        // α = 0 rewards empty clusters and a large step lets the module move every row into one cluster.
        var data = MixtureTestData.ThreeBlobs(perCluster: 30);
        var options = Tiny() with
        {
            Clusters = 2, LatentSize = 2, DirichletConcentration = 0, LearningRate = 0.05, PretrainEpochs = 3, Epochs = 10,
            Init = ClusteringModuleInit.Random, ReconstructionWeight = 0,
        };
        using var model = new ClusteringModuleAutoencoder(options).Fit(data);
        Assert.Contains(model.Summary.Warnings, w => w.Contains("collapse") && w.Contains("raise DirichletConcentration"));
        Assert.Throws<ClusteringNumericsException>(() => new ClusteringModuleAutoencoder(options with { OnCollapse = CollapseBehavior.Throw }).Fit(data));
    }

    [Fact]
    public void CancellationDuringJointTrainingThrows()
    {
        var data = DeepTestData.Blobs(rows: 90);
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Phase == TrainingPhase.Training) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new ClusteringModuleAutoencoder(Tiny() with { PretrainEpochs = 1, ModuleWarmupEpochs = 1 }).Fit(data, progress, cts.Token));
    }

    [Fact]
    public void DefaultsAndAuthorsTunedValues()
    {
        var defaults = new ClusteringModuleAutoencoderOptions();
        Assert.Equal(ActivationKind.ReLU, defaults.Activation);
        Assert.True(defaults.ToAutoencoderTrainerOptions(DeepTestData.Images(rows: 12, side: 16)).Augment);
        Assert.False(defaults.ToAutoencoderTrainerOptions(DeepTestData.Images(rows: 12, side: 8)).Augment);
        Assert.True(defaults.GlorotInit);
        Assert.Equal((1e-3, 1e-3, 20), (defaults.LearningRate, defaults.AdamEpsilon, defaults.InitialClusteringRestarts));
        Assert.Equal((1.1, 100.0, 0.1), (defaults.DirichletConcentration, defaults.ReconstructionWeight, defaults.OrthonormalityWeight));
        Assert.Equal(8, defaults.WhiteningRounds);
        var usps = ClusteringModuleAutoencoderOptions.AuthorsTuned("USPS");
        Assert.Equal((30, 0.04, 3.0, 45, 1.0), (usps.LatentSize!.Value, usps.ReconstructionWeight, usps.DirichletConcentration, usps.BatchSize, usps.OrthonormalityWeight));
        Assert.Equal(ClusteringModuleLossScale.Sum, usps.LossScale);
        Assert.Equal(ActivationKind.LeakyReLU, usps.Activation);
        Assert.False(usps.ToAutoencoderTrainerOptions(DeepTestData.Images(rows: 12, side: 16)).Augment);
        Assert.Throws<ArgumentException>(() => ClusteringModuleAutoencoderOptions.AuthorsTuned("imagenet"));
    }

    private static int[] Shape(float[,] a) => new[] { a.GetLength(0), a.GetLength(1) };
}
