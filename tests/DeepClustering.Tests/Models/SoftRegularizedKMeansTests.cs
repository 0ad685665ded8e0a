using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Metrics;
using DeepClustering.Mixtures;
using DeepClustering.Models;
using DeepClustering.Tests.Training;
using DeepClustering.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Models;

/// <summary>One small fit shared by the tests that only inspect a fitted model.</summary>
public sealed class SoftRegularizedKMeansFixture : IDisposable
{
    public SoftRegularizedKMeansFixture()
    {
        Data = DeepTestData.Blobs(rows: 300, features: 12, clusters: 3, spread: 0.8);
        Reports = new List<TrainingProgress>();
        Model = new SoftRegularizedKMeans(SoftRegularizedKMeansTests.Tiny()).Fit(Data, new SyncProgress(Reports.Add));
    }

    public Dataset Data { get; }

    public List<TrainingProgress> Reports { get; }

    public SoftRegularizedKMeansModel Model { get; }

    public void Dispose() => Model.Dispose();
}

public class SoftRegularizedKMeansTests : IClassFixture<SoftRegularizedKMeansFixture>
{
    private readonly SoftRegularizedKMeansFixture fixture;

    public SoftRegularizedKMeansTests(SoftRegularizedKMeansFixture fixture) => this.fixture = fixture;

    internal static SoftRegularizedKMeansOptions Tiny(int seed = 1) => new()
    {
        Clusters = 3, Seed = seed, HiddenSizes = new[] { 16 }, PretrainEpochs = 15, PretrainLearningRate = 3e-3, Epochs = 8,
        BatchSize = 64, InitialClusteringRestarts = 3,
    };

    [Fact]
    public void ClustersBlobsWithBoundedCodesOfWidthK()
    {
        var (data, model) = (fixture.Data, fixture.Model);
        var labels = model.Predict(data);
        Assert.True(ClusterScores.Accuracy(data.Labels!, labels) > 0.95, ClusterScores.Evaluate(data.Labels!.ToArray(), labels).ToString());
        // The embedding has K dimensions (the authors' choice) and lies in [−1, 1].
        var z = model.Embed(data);
        Assert.Equal(3, z.GetLength(1));
        Assert.Equal(3, model.LatentSize);
        foreach (var v in z) Assert.InRange(v, -1f, 1f);
        // Probabilities are rows of a softmax and their argmax is Predict.
        var p = model.PredictProbabilities(data);
        for (int i = 0; i < data.Rows; i++)
        {
            double sum = 0;
            int arg = 0;
            for (int k = 0; k < 3; k++) { sum += p[i, k]; if (p[i, k] > p[i, arg]) arg = k; }
            Assert.Equal(1.0, sum, 4);
            Assert.Equal(labels[i], arg);
        }
        Assert.Equal(model.Options.Regularization * 3, model.Temperature, 12);
        Assert.Equal(data.Columns, model.Reconstruct(data).GetLength(1));
    }

    [Theory]
    [InlineData(SoftRegularizedKMeansStart.KMeans, 4)] // the whitened k-means start
    [InlineData(SoftRegularizedKMeansStart.GraphLinkage, 0)]
    public void StartWithWarmStartClustersBlobsAndRepeatsItself(SoftRegularizedKMeansStart start, int whiteningRounds)
    {
        var data = DeepTestData.Blobs(rows: 150, features: 8, clusters: 3, seed: 5, spread: 0.8);
        var options = Tiny(seed: 3) with
        {
            Start = start, WhiteningRounds = whiteningRounds, GraphNeighbours = 8, GraphSubclusters = 4, WarmStartEpochs = 3, Epochs = 4,
        };
        using var model = new SoftRegularizedKMeans(options).Fit(data);
        var labels = model.Predict(data);
        Assert.True(ClusterScores.Accuracy(data.Labels!, labels) > 0.9, ClusterScores.Evaluate(data.Labels!.ToArray(), labels).ToString());
        Assert.Empty(model.Summary.Warnings);
        // The same seed repeats the start's k-means restarts exactly.
        using var again = new SoftRegularizedKMeans(options).Fit(data);
        Assert.Equal(labels, again.Predict(data));
    }

    [Fact]
    public void GraphStartTakesEveryOtherRowWhenAskedForMoreNeighboursThanThereAre()
    {
        var data = DeepTestData.Blobs(rows: 150, features: 8, clusters: 3, seed: 5, spread: 0.8);
        var options = Tiny(seed: 3) with { Start = SoftRegularizedKMeansStart.GraphLinkage, GraphSubclusters = 4, WarmStartEpochs = 3, Epochs = 4 };
        using var all = new SoftRegularizedKMeans(options with { GraphNeighbours = 149 }).Fit(data);
        using var tooMany = new SoftRegularizedKMeans(options with { GraphNeighbours = 1000 }).Fit(data);
        Assert.Equal(all.Predict(data), tooMany.Predict(data));
    }

    [Fact]
    public void PosteriorIsTheLogisticRuleOnTheSoftMeans()
    {
        var (data, model) = (fixture.Data, fixture.Model);
        var z = model.Embed(data);
        var theta = model.Centroids;
        var b = model.Biases;
        var p = model.PredictProbabilities(data);
        double t = model.Temperature;
        for (int i = 0; i < 20; i++)
        {
            var logits = Enumerable.Range(0, 3).Select(k => Enumerable.Range(0, 3).Sum(j => (double)z[i, j] * theta[k, j]) / t + b[k]).ToArray();
            double max = logits.Max(), norm = logits.Sum(l => Math.Exp(l - max));
            for (int k = 0; k < 3; k++) Assert.Equal(Math.Exp(logits[k] - max) / norm, p[i, k], 3);
        }
        // b_k = ½ log(share of cluster k): the biases of a balanced 3-cluster fit are near ½ log(1/3).
        foreach (var bias in b) Assert.InRange(bias, 0.5 * Math.Log(1.0 / 3) - 0.2, 0.5 * Math.Log(1.0 / 3) + 0.2);
    }

    [Fact]
    public void ProgressReportsTrainingEpochsWithLossTerms()
    {
        var training = fixture.Reports.Where(r => r.Phase == TrainingPhase.Training).ToList();
        Assert.Contains(fixture.Reports, r => r.Phase == TrainingPhase.Pretraining);
        Assert.Equal(fixture.Model.Summary.Iterations, training.Count);
        Assert.All(training, r => Assert.True(r.Terms!.ContainsKey("reconstruction") && r.Terms.ContainsKey("clustering") && r.Terms.ContainsKey("distortion")));
        Assert.Equal(TrainingPhase.Finalizing, fixture.Reports[^1].Phase);
        Assert.All(fixture.Model.Summary.ObjectiveHistory, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void SaveLoadRoundTripGivesIdenticalPredictions()
    {
        var (data, model) = (fixture.Data, fixture.Model);
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        using var loaded = SoftRegularizedKMeansModel.Load(stream);
        Assert.True(DeepTestData.Same(model.PredictProbabilities(data), loaded.PredictProbabilities(data)));
        Assert.True(DeepTestData.Same(model.Embed(data), loaded.Embed(data)));
        Assert.Equal(model.Options.Regularization, loaded.Options.Regularization);
        Assert.Equal(model.Temperature, loaded.Temperature);
        Assert.Equal(model.Summary.ObjectiveHistory, loaded.Summary.ObjectiveHistory);
        stream.Position = 0;
        Assert.Throws<ModelFormatException>(() => KMeansModel.Load(stream));
        using var garbage = new MemoryStream(new byte[] { 1, 2, 3 });
        Assert.Throws<ModelFormatException>(() => SoftRegularizedKMeansModel.Load(garbage));
    }

    [Fact]
    public void SameSeedSameLabelsAndTheStoppingRuleEndsTheFit()
    {
        var data = DeepTestData.Blobs(rows: 150, features: 8, clusters: 3, seed: 5, spread: 0.8);
        var options = Tiny(seed: 4) with { PretrainEpochs = 5, Epochs = 6, WarmStartEpochs = 0 };
        // Tolerance 1: mean((Q_new − Q_old)²) is always below 1, so the first alternating epoch stops the fit.
        using var a = new SoftRegularizedKMeans(options with { Tolerance = 1 }).Fit(data);
        using var b = new SoftRegularizedKMeans(options with { Tolerance = 1 }).Fit(data);
        Assert.Equal(a.Predict(data), b.Predict(data));
        Assert.True(DeepTestData.Same(a.Embed(data), b.Embed(data)));
        Assert.True(a.Summary.Converged);
        Assert.Equal(1, a.Summary.Iterations);
        // Tolerance 0 runs every epoch (warm start included) and does not count as converged.
        using var c = new SoftRegularizedKMeans(options with { Tolerance = 0, WarmStartEpochs = 2, Epochs = 2 }).Fit(data);
        Assert.False(c.Summary.Converged);
        Assert.Equal(4, c.Summary.Iterations);
    }

    [Fact]
    public void UnboundedPretrainedCodesAreBoundedByTheHead()
    {
        // A shared autoencoder with a linear code whose values are far outside [−1, 1].
        var data = DeepTestData.Blobs(rows: 150, features: 8, clusters: 3, seed: 6, spread: 0.8);
        var options = Tiny(seed: 2) with { PretrainEpochs = 8, Epochs = 3, TanhBottleneck = false, Regularization = 1e-5 };
        using var ae = new AutoencoderTrainer(options.ToAutoencoderTrainerOptions()).Fit(data);
        Assert.Contains(ae.Encode(data).Cast<float>(), v => Math.Abs(v) > 1);
        using var model = new SoftRegularizedKMeans(options with { PretrainedAutoencoder = ae }).Fit(data);
        foreach (var v in model.Embed(data)) Assert.InRange(v, -1f, 1f);
        Assert.All(model.Summary.ObjectiveHistory, v => Assert.True(double.IsFinite(v)));
        var scores = ClusterScores.Evaluate(data.Labels!.ToArray(), model.Predict(data));
        Assert.True(scores.Accuracy > 0.9, scores.ToString());
        // The pretrained autoencoder itself is untouched.
        Assert.Contains(ae.Encode(data).Cast<float>(), v => Math.Abs(v) > 1);
        // The head's standardisation of the raw codes is part of the saved model.
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        using var loaded = SoftRegularizedKMeansModel.Load(stream);
        Assert.True(DeepTestData.Same(model.Embed(data), loaded.Embed(data)));
        Assert.Equal(model.Predict(data), loaded.Predict(data));
    }

    [Fact]
    public void CentredTermKeepsTheClustersThatTheAuthorsTermMerges()
    {
        // Digits scaled per pixel to [0, 1]: the authors' term −‖z‖² rewards codes far from the origin, and moving
        // the codes of several clusters into one corner of the tanh box lowers it; −‖z − m‖² does not reward that.
        var data = EmbeddedDatasets.Load("digits");
        var labels = data.Labels!.ToArray();
        // The k-means start without a warm start, where the authors' term shows the merge.
        var options = new SoftRegularizedKMeansOptions
        {
            Clusters = 10, Seed = 1, Scaler = ScalerKind.MinMax, Start = SoftRegularizedKMeansStart.KMeans, WarmStartEpochs = 0,
            ClusteringTerm = SoftRegularizedKMeansClusteringTerm.Origin,
        };
        using var origin = new SoftRegularizedKMeans(options).Fit(data);
        using var centred = new SoftRegularizedKMeans(options with { ClusteringTerm = SoftRegularizedKMeansClusteringTerm.Centred }).Fit(data);
        int[] a = origin.Predict(data), b = centred.Predict(data);
        var (sa, sb) = (ClusterScores.Evaluate(labels, a), ClusterScores.Evaluate(labels, b));
        Assert.True(a.Distinct().Count() <= 6, $"authors' term: {sa}");
        Assert.True(b.Distinct().Count() >= 9, $"centred term: {sb}");
        Assert.True(sb.Accuracy > sa.Accuracy + 0.2, $"authors' term {sa}; centred term {sb}");
        Assert.All(centred.Summary.ObjectiveHistory, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void RawPixelValuesAreStandardisedForTheTanhCode()
    {
        // Digits pixels are 0–16: fed raw, they saturate the tanh code and pretraining stalls at the mean image
        // (then every code is alike and the fit ends with one or two clusters).
        var data = EmbeddedDatasets.Load("digits");
        using var model = new SoftRegularizedKMeans(new SoftRegularizedKMeansOptions { Clusters = 10, Seed = 0 }).Fit(data);
        Assert.Equal(ScalerKind.Standardize, model.Scaler.Kind);
        var scores = ClusterScores.Evaluate(data.Labels!.ToArray(), model.Predict(data));
        Assert.True(scores.Accuracy > 0.6, scores.ToString());
        Assert.Equal(10, model.Predict(data).Distinct().Count());
    }

    [Fact]
    public void NearestCentreRuleMatchesTheSoftAssignment()
    {
        var data = DeepTestData.Blobs(rows: 150, features: 8, clusters: 3, seed: 8, spread: 0.8);
        using var model = new SoftRegularizedKMeans(Tiny(seed: 3) with
        {
            PretrainEpochs = 5, Epochs = 2, Prediction = SoftRegularizedKMeansPrediction.SoftAssignment, Regularization = 0.05,
        }).Fit(data);
        var z = model.Embed(data);
        var theta = model.Centroids;
        var p = model.PredictProbabilities(data);
        double t = model.Temperature;
        for (int i = 0; i < 20; i++)
        {
            var logits = Enumerable.Range(0, 3).Select(k => -Enumerable.Range(0, 3).Sum(j => Math.Pow(z[i, j] - theta[k, j], 2)) / t).ToArray();
            double max = logits.Max(), norm = logits.Sum(l => Math.Exp(l - max));
            for (int k = 0; k < 3; k++) Assert.Equal(Math.Exp(logits[k] - max) / norm, p[i, k], 3);
        }
    }

    [Fact]
    public void SoftMeansReseedEmptyClustersAtTheFarthestRow()
    {
        using var scope = NewDisposeScope();
        var z = tensor(new float[] { 0, 0, 0.1f, 0, 0, 0.1f, 5, 5 }, new long[] { 4, 2 });
        var q = tensor(new float[] { 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0 }, new long[] { 4, 3 }); // cluster 2 empty
        var current = tensor(new float[] { 0, 0, 5, 5, 9, 9 }, new long[] { 3, 2 });
        var (centres, counts, reseeded) = SoftKMeansMath.SoftMeans(q, z, current);
        Assert.Equal(1, reseeded);
        Assert.Equal(new[] { 3.0, 1.0, 0.0 }, counts.data<double>().ToArray());
        // Row (0.1, 0) is as far as (0, 0.1) from centre (0, 0); both are farther than the rows sitting on centres.
        var c = centres.data<float>().ToArray();
        Assert.True(Math.Abs(c[4] - 0.1f) + Math.Abs(c[5]) < 1e-6 || Math.Abs(c[4]) + Math.Abs(c[5] - 0.1f) < 1e-6, string.Join(",", c));
        Assert.All(c, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void InvalidOptionsAreRejectedByNameAndCancellationThrows()
    {
        var data = DeepTestData.Blobs(rows: 90, features: 6, clusters: 3);
        Assert.Equal("Regularization", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SoftRegularizedKMeans(Tiny() with { Regularization = 0 }).Fit(data)).ParamName);
        Assert.Equal("Clusters", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SoftRegularizedKMeans(Tiny() with { Clusters = 1 }).Fit(data)).ParamName);
        Assert.Equal("WarmStartEpochs", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SoftRegularizedKMeans(Tiny() with { WarmStartEpochs = -1 }).Fit(data)).ParamName);
        Assert.Equal("Tolerance", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SoftRegularizedKMeans(Tiny() with { Tolerance = double.NaN }).Fit(data)).ParamName);
        Assert.Equal("WhiteningRounds", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SoftRegularizedKMeans(Tiny() with { WhiteningRounds = 1001 }).Fit(data)).ParamName);
        Assert.Equal("GraphSubclusters", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SoftRegularizedKMeans(Tiny() with { GraphSubclusters = 0 }).Fit(data)).ParamName);
        Assert.Equal("GraphNeighbours", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SoftRegularizedKMeans(Tiny() with { GraphNeighbours = 0 }).Fit(data)).ParamName);

        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Phase == TrainingPhase.Training) cts.Cancel(); });
        Assert.Throws<OperationCanceledException>(() =>
            new SoftRegularizedKMeans(Tiny() with { PretrainEpochs = 2, Epochs = 5, Tolerance = 0 }).Fit(data, progress, cts.Token));
    }
}

internal sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}
