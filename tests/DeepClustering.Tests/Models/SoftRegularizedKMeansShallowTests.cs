using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Mixtures;
using DeepClustering.Tests.Mixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Models;

/// <summary>The shallow SR-K-means algorithm (<see cref="SoftKMeans"/>) on fixed features.</summary>
public class SoftRegularizedKMeansShallowTests
{
    /// <summary>Four overlapping blobs in 3-D: k-means needs several Lloyd iterations here.</summary>
    private static Dataset Overlapping(int seed = 4) => MixtureTestData.Blobs(
        new[] { new[] { 0.0, 0.0, 0.0 }, new[] { 3.0, 0.0, 1.0 }, new[] { 0.0, 3.0, -1.0 }, new[] { 2.5, 2.5, 2.0 } }, 60, 1.2, seed);

    public static TheoryData<string, int, int> EquivalenceCases() => new()
    {
        { "iris", 3, 0 }, { "iris", 3, 5 }, { "wine", 3, 1 }, { "overlapping", 4, 2 }, { "overlapping", 4, 9 }, { "digits", 10, 0 },
    };

    private static Dataset Load(string name) => name == "overlapping" ? Overlapping() : EmbeddedDatasets.Load(name);

    [Theory]
    [MemberData(nameof(EquivalenceCases))]
    public void VanishingRegularizationGivesTheKMeansPartitionFromTheSameSeeds(string dataset, int k, int seed)
    {
        // The paper's relation: as λ → 0 the soft assignments become nearest-centre ones and the alternating
        // steps are Lloyd's iterations, so from the same k-means++ seeds the partition is KMeans's.
        var data = Load(dataset);
        using var x = data.ToTensor(CPU, ScalarType.Float64);
        using var kmeans = new KMeans(new KMeansOptions { Clusters = k, Seed = seed, Restarts = 1, Tolerance = 0, MaxIterations = 500 }).FitTensor(x);
        using var soft = new SoftKMeans(new SoftKMeansOptions
        {
            // At Lloyd's fixed point the objective repeats exactly, so a tiny tolerance stops there.
            Components = k, Seed = seed, Regularization = 1e-12, Tolerance = 1e-15, MaxIterations = 500, Precision = FloatPrecision.Float64,
        }).Fit(data);
        Assert.True(soft.Summary.Converged);
        using var expected = kmeans.PredictTensor(x);
        Assert.Equal(TensorArraysTo(expected), soft.Predict(data));
        // Same centres too, and the energy is k-means' inertia (the entropy term vanishes with T).
        var a = kmeans.Centroids;
        var b = soft.Centroids;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < data.Columns; j++) Assert.Equal(a[i, j], b[i, j], 1e-4 * (1 + Math.Abs(a[i, j])));
        Assert.Equal(kmeans.Inertia, soft.Energy, 1e-6 * kmeans.Inertia);
    }

    [Fact]
    public void VanishingRegularizationFromGivenCentresMatchesLloydFromThoseCentres()
    {
        var data = Overlapping(seed: 11);
        var start = new double[4, 3] { { -1, -1, 0 }, { 1, 0, 0 }, { 0, 1, 0 }, { 1, 1, 1 } };
        using var soft = new SoftKMeans(new SoftKMeansOptions
        {
            Components = 4, InitialCentroids = start, Regularization = 1e-12, Tolerance = 1e-15, MaxIterations = 200, Precision = FloatPrecision.Float64,
        }).Fit(data);

        // Lloyd's iterations of the k-means engine from the same centres (same centred coordinates).
        using var scope = NewDisposeScope();
        var x = data.ToTensor(CPU, ScalarType.Float64);
        var center = x.mean(new long[] { 0 });
        var xc = x - center;
        var init = tensor(start.Cast<double>().ToArray(), new long[] { 4, 3 }, ScalarType.Float64) - center;
        using var run = KMeansEngine.Lloyd(xc, KMeansEngine.RowNorms(xc), init, 200, 0, 1024, 0, null, CancellationToken.None);
        Assert.Equal(TensorArraysTo(run.Labels), soft.Predict(data));
        Assert.True(run.Iterations > 3, "the start should need several Lloyd iterations");
    }

    [Fact]
    public void EnergyNeverIncreasesOverTheAlternatingSteps()
    {
        // A soft regime: T comparable to the squared distances between the blobs.
        var data = Overlapping();
        foreach (var lambda in new[] { 0.05, 0.5, 2.0 })
        {
            using var model = new SoftKMeans(new SoftKMeansOptions
            {
                Components = 4, Seed = 3, Regularization = lambda, Tolerance = 1e-12, MaxIterations = 100, Precision = FloatPrecision.Float64,
            }).Fit(data);
            var history = model.Summary.ObjectiveHistory; // −F / total sum of squares: must not decrease
            Assert.True(history.Count >= 5, $"λ = {lambda}: only {history.Count} iterations");
            for (int i = 1; i < history.Count; i++)
                Assert.True(history[i] >= history[i - 1] - 1e-12, $"λ = {lambda}: objective rose at iteration {i + 1}: {history[i - 1]} -> {history[i]}");
        }
    }

    [Fact]
    public void EnergyMatchesItsDefinitionOnTheFittedAssignments()
    {
        var data = Overlapping();
        const double lambda = 0.3;
        using var model = new SoftKMeans(new SoftKMeansOptions
        {
            Components = 4, Seed = 1, Regularization = lambda, Tolerance = 1e-14, MaxIterations = 300, Precision = FloatPrecision.Float64,
        }).Fit(data);
        Assert.True(model.Summary.Converged);
        double t = lambda * 4;
        Assert.Equal(t, model.Temperature, 12);
        var q = model.PredictProbabilities(data);
        var theta = model.Centroids;
        double f = 0;
        var weights = new double[4];
        for (int i = 0; i < data.Rows; i++)
        {
            var row = data.Row(i);
            double rowSum = 0;
            for (int k = 0; k < 4; k++)
            {
                double d = 0;
                for (int j = 0; j < data.Columns; j++) d += Math.Pow(row[j] - theta[k, j], 2);
                double qk = q[i, k];
                rowSum += qk;
                weights[k] += qk / data.Rows;
                f += qk * d + (qk > 0 ? t * qk * Math.Log(qk) : 0);
            }
            Assert.Equal(1.0, rowSum, 5);
        }
        Assert.Equal(f, model.Energy, 1e-4 * Math.Abs(f));
        // θ is the soft mean of the rows under Q (the θ-step's fixed point).
        for (int k = 0; k < 4; k++)
            for (int j = 0; j < data.Columns; j++)
            {
                double num = 0, den = 0;
                for (int i = 0; i < data.Rows; i++) { num += q[i, k] * data.Row(i)[j]; den += q[i, k]; }
                Assert.Equal(num / den, theta[k, j], 1e-3);
            }
        var w = model.Weights;
        for (int k = 0; k < 4; k++) Assert.Equal(weights[k], w[k], 1e-3);
    }

    [Fact]
    public void TemperatureControlsHowSoftTheAssignmentsAre()
    {
        var data = MixtureTestData.ThreeBlobs();
        double MeanMax(double lambda)
        {
            using var m = new SoftKMeans(new SoftKMeansOptions { Components = 3, Seed = 0, Regularization = lambda }).Fit(data);
            var p = m.PredictProbabilities(data);
            double s = 0;
            for (int i = 0; i < data.Rows; i++) s += Enumerable.Range(0, 3).Max(k => p[i, k]);
            // Until T approaches the spread of the data (where the centres merge at the mean) the blobs stay apart.
            if (lambda <= 3) Assert.Equal(1.0, MixtureTestData.MatchedAccuracy(data.Labels!, m.Predict(data), 3));
            return s / data.Rows;
        }
        double hard = MeanMax(1e-4), soft = MeanMax(3.0), softer = MeanMax(30.0);
        Assert.True(hard > 0.999, $"hard {hard}");
        Assert.True(soft < hard && softer < soft, $"{hard} {soft} {softer}");
        Assert.True(softer < 0.6, $"softer {softer}");
    }

    [Fact]
    public void EmptyClusterIsReseededAtTheFarthestRow()
    {
        var data = MixtureTestData.ThreeBlobs(seed: 2);
        // The fourth centre is so far away that no row gets any weight: its soft mean would be 0/0.
        var start = new double[4, 2] { { 0, 0 }, { 8, 0 }, { 0, 8 }, { 1000, 1000 } };
        using var model = new SoftKMeans(new SoftKMeansOptions { Components = 4, InitialCentroids = start, MaxIterations = 50 }).Fit(data);
        Assert.Contains(model.Summary.Warnings, w => w.Contains("re-seeded", StringComparison.Ordinal));
        var c = model.Centroids;
        foreach (var v in c) Assert.True(double.IsFinite(v));
        Assert.True(Math.Abs(c[3, 0]) < 20 && Math.Abs(c[3, 1]) < 20, "the empty centre moved into the data");
        Assert.True(model.Weights[3] > 0);
        Assert.Equal(4, model.Predict(data).Distinct().Count());
    }

    [Fact]
    public void SameSeedSameResultAndSaveLoadRoundTrip()
    {
        var data = Overlapping();
        var options = new SoftKMeansOptions { Components = 4, Seed = 7, Regularization = 0.1, Restarts = 2 };
        using var a = new SoftKMeans(options).Fit(data);
        using var b = new SoftKMeans(options).Fit(data);
        Assert.Equal(a.Predict(data), b.Predict(data));
        Assert.Equal(a.Summary.ObjectiveHistory, b.Summary.ObjectiveHistory);

        using var stream = new MemoryStream();
        a.Save(stream);
        stream.Position = 0;
        using var loaded = SoftKMeansModel.Load(stream);
        Assert.Equal(a.PredictProbabilities(data), loaded.PredictProbabilities(data));
        Assert.Equal(a.Energy, loaded.Energy);
        Assert.Equal(a.Options.Regularization, loaded.Options.Regularization);
        Assert.Equal(a.Summary.ObjectiveHistory, loaded.Summary.ObjectiveHistory);

        stream.Position = 0;
        Assert.Throws<ModelFormatException>(() => KMeansModel.Load(stream));
    }

    [Fact]
    public void InvalidOptionsAndDataAreRejectedByName()
    {
        var data = MixtureTestData.ThreeBlobs();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SoftKMeans(new SoftKMeansOptions { Components = 3, Regularization = 0 }).Fit(data));
        Assert.Equal("Regularization", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new SoftKMeans(new SoftKMeansOptions { Components = 3, Covariance = CovarianceType.Full }).Fit(data));
        Assert.Equal("Covariance", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new SoftKMeans(new SoftKMeansOptions { Components = 3, InitialCentroids = new double[2, 2] }).Fit(data));
        Assert.Equal("InitialCentroids", e.ParamName);
        var a = Assert.Throws<ArgumentException>(() => new SoftKMeans(new SoftKMeansOptions { Components = 3, InitialCentroids = new double[3, 5] }).Fit(data));
        Assert.Equal("InitialCentroids", a.ParamName);
        using var model = new SoftKMeans(3).Fit(data);
        Assert.Throws<ArgumentException>(() => model.Predict(EmbeddedDatasets.Load("iris")));
    }

    [Fact]
    public void CancellationAfterTheFirstIterationThrows()
    {
        var data = Overlapping();
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Phase == TrainingPhase.Training) cts.Cancel(); });
        Assert.Throws<OperationCanceledException>(() =>
            new SoftKMeans(new SoftKMeansOptions { Components = 4, Regularization = 0.5, Tolerance = 0, MaxIterations = 50 }).Fit(data, progress, cts.Token));
    }

    private static int[] TensorArraysTo(Tensor labels)
    {
        using var c = labels.to(ScalarType.Int32, CPU).contiguous();
        return c.data<int>().ToArray();
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
