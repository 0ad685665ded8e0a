using System.Reflection;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Mixtures;
using DeepClustering.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Contract;

/// <summary>
/// One estimator in the workout: how to build it with a cluster count and a seed (small, fast settings), and one
/// invalid option with the name its ArgumentOutOfRangeException must carry.
/// </summary>
/// <param name="Name">Display name (unique).</param>
/// <param name="Create">Builds the estimator for (clusters, seed).</param>
/// <param name="CreateWithBadOption">Builds the estimator with one out-of-range option.</param>
/// <param name="BadOption">Name of that option (the exception's ParamName).</param>
/// <param name="Features">Width of the workout data (default 4).</param>
public sealed record EstimatorCase(
    string Name,
    Func<int, int, IClusteringEstimator<IClusteringModel>> Create,
    Func<IClusteringEstimator<IClusteringModel>> CreateWithBadOption,
    string BadOption,
    int Features = 4)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>
/// The registry every estimator of the library is listed in: adding an estimator to the contract workout is one
/// line here.
/// </summary>
public static class EstimatorRegistry
{
    /// <summary>All estimators.</summary>
    public static readonly IReadOnlyList<EstimatorCase> All = new EstimatorCase[]
    {
        new("KMeans", (k, seed) => new KMeans(new KMeansOptions { Clusters = k, Seed = seed }), () => new KMeans(new KMeansOptions { Clusters = 0 }), "Clusters"),
        new("KMeans/random", (k, seed) => new KMeans(new KMeansOptions { Clusters = k, Seed = seed, Init = KMeansInit.Random, Restarts = 2 }), () => new KMeans(new KMeansOptions { Tolerance = -1 }), "Tolerance"),
        new("GaussianMixture/full", (k, seed) => Gmm(k, seed, CovarianceType.Full), () => new GaussianMixture(new GaussianMixtureOptions { Components = 0 }), "Components"),
        new("GaussianMixture/diagonal", (k, seed) => Gmm(k, seed, CovarianceType.Diagonal), () => new GaussianMixture(new GaussianMixtureOptions { CovarianceRegularization = -1 }), "CovarianceRegularization"),
        new("GaussianMixture/spherical", (k, seed) => Gmm(k, seed, CovarianceType.Spherical), () => new GaussianMixture(new GaussianMixtureOptions { MaxIterations = 0 }), "MaxIterations"),
        new("GaussianMixture/tied", (k, seed) => Gmm(k, seed, CovarianceType.Tied), () => new GaussianMixture(new GaussianMixtureOptions { Restarts = 0 }), "Restarts"),
        new("AutoencoderMixture", (k, seed) => new DeepClustering.Models.AutoencoderMixture(new DeepClustering.Models.AutoencoderMixtureOptions { Clusters = k, Seed = seed, LatentSize = 2, HiddenSizes = new[] { 8 }, BatchSize = 30, PretrainEpochs = 5, InitialClusteringRestarts = 2 }), () => new DeepClustering.Models.AutoencoderMixture(new DeepClustering.Models.AutoencoderMixtureOptions { PretrainEpochs = -1 }), "PretrainEpochs"),
        new("ClusteringModule", (k, seed) => new DeepClustering.Models.ClusteringModule(new DeepClustering.Models.ClusteringModuleOptions { Clusters = k, Seed = seed, Epochs = 10, BatchSize = 30, InitRestarts = 2 }), () => new DeepClustering.Models.ClusteringModule(new DeepClustering.Models.ClusteringModuleOptions { AdamEpsilon = 0 }), "AdamEpsilon"),
        new("ClusteringModuleAutoencoder", (k, seed) => new DeepClustering.Models.ClusteringModuleAutoencoder(new DeepClustering.Models.ClusteringModuleAutoencoderOptions { Clusters = k, Seed = seed, LatentSize = 3, HiddenSizes = new[] { 8 }, BatchSize = 30, PretrainEpochs = 5, Epochs = 2, ModuleWarmupEpochs = 2, InitialClusteringRestarts = 2, ReconstructionWeight = 1 }), () => new DeepClustering.Models.ClusteringModuleAutoencoder(new DeepClustering.Models.ClusteringModuleAutoencoderOptions { ReconstructionWeight = -1 }), "ReconstructionWeight"),
        new("MixtureOfAutoencoders/mixae", (k, seed) => Mixae(k, seed, DeepClustering.Models.MixtureOfAutoencodersVariant.Mixae), () => new DeepClustering.Models.MixtureOfAutoencoders(new DeepClustering.Models.MixtureOfAutoencodersOptions { BatchEntropyWeight = -1 }), "BatchEntropyWeight"),
        new("MixtureOfAutoencoders/damic", (k, seed) => Mixae(k, seed, DeepClustering.Models.MixtureOfAutoencodersVariant.Damic), () => new DeepClustering.Models.MixtureOfAutoencoders(new DeepClustering.Models.MixtureOfAutoencodersOptions { ReconstructionTemperature = 0 }), "ReconstructionTemperature"),
        new("SoftKMeans", (k, seed) => new SoftKMeans(new SoftKMeansOptions { Components = k, Seed = seed, Regularization = 0.01 }), () => new SoftKMeans(new SoftKMeansOptions { Regularization = 0 }), "Regularization"),
        new("SoftRegularizedKMeans", (k, seed) => new DeepClustering.Models.SoftRegularizedKMeans(new DeepClustering.Models.SoftRegularizedKMeansOptions { Clusters = k, Seed = seed, HiddenSizes = new[] { 8 }, BatchSize = 30, PretrainEpochs = 5, Epochs = 3, InitialClusteringRestarts = 2 }), () => new DeepClustering.Models.SoftRegularizedKMeans(new DeepClustering.Models.SoftRegularizedKMeansOptions { Regularization = -1 }), "Regularization"),
        new("NeuralMixtureEm", (k, seed) => new DeepClustering.Models.NeuralMixtureEm(new DeepClustering.Models.NeuralMixtureEmOptions { Clusters = k, Seed = seed, LatentSize = 8, HiddenSizes = new[] { 16 }, BatchSize = 30, Epochs = 8, UniformMixingEpochs = 2 }), () => new DeepClustering.Models.NeuralMixtureEm(new DeepClustering.Models.NeuralMixtureEmOptions { Temperature = 0 }), "Temperature"),
        new("GaussianMixture/float64", (k, seed) => Gmm(k, seed, CovarianceType.Full, FloatPrecision.Float64), () => new GaussianMixture(new GaussianMixtureOptions { ChunkSize = 0 }), "ChunkSize"),
        new("DirichletProcessGaussianMixture", (k, seed) => new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions { Components = k, Seed = seed, MaxIterations = 30 }), () => new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions { WeightConcentrationPrior = 0 }), "WeightConcentrationPrior"),
        new("DeepDirichletProcessMixture", (k, seed) => new DeepClustering.Models.DeepDirichletProcessMixture(new DeepClustering.Models.DeepDirichletProcessMixtureOptions { Clusters = k, Seed = seed, LatentSize = 2, HiddenSizes = new[] { 8 }, BatchSize = 30, PretrainEpochs = 5, Epochs = 2, InitialMixtureIterations = 30, MixtureIterations = 5 }), () => new DeepClustering.Models.DeepDirichletProcessMixture(new DeepClustering.Models.DeepDirichletProcessMixtureOptions { JensenShannonAlpha = 0 }), "JensenShannonAlpha"),
    };

    private static DeepClustering.Models.MixtureOfAutoencoders Mixae(int k, int seed, DeepClustering.Models.MixtureOfAutoencodersVariant variant) =>
        new(new DeepClustering.Models.MixtureOfAutoencodersOptions
        {
            Variant = variant, Clusters = k, Seed = seed, AutoencoderHiddenSizes = new[] { 8 }, AutoencoderLatentSize = 2, AssignmentHiddenSize = 8,
            HiddenSizes = new[] { 4 }, Epochs = 3, BatchSize = 30,
        });

    private static GaussianMixture Gmm(int k, int seed, CovarianceType type, FloatPrecision precision = FloatPrecision.Float32) =>
        new(new GaussianMixtureOptions { Components = k, Covariance = type, Seed = seed, Precision = precision, Init = MixtureInit.Random, Tolerance = 0, MaxIterations = 20 });
}

/// <summary>
/// The contract workout over the registry (after ML.NET's TestEstimatorCore and scikit-learn's estimator checks): fit,
/// predict, probabilities, invalid options, invalid data (NaN, wrong width, fewer rows than clusters, empty),
/// save/load round trip through <see cref="ModelFile"/>, cancellation, and same seed → same labels.
/// </summary>
public class EstimatorWorkout
{
    /// <summary>Registry names for the theory.</summary>
    public static TheoryData<string> Names
    {
        get
        {
            var d = new TheoryData<string>();
            foreach (var c in EstimatorRegistry.All) d.Add(c.Name);
            return d;
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Workout(string name) => EstimatorChecks.Run(EstimatorRegistry.All.Single(c => c.Name == name));

    [Fact]
    public void RegistryNamesAreUnique() =>
        Assert.Equal(EstimatorRegistry.All.Count, EstimatorRegistry.All.Select(c => c.Name).Distinct().Count());
}

/// <summary>The reusable generic helper behind <see cref="EstimatorWorkout"/>.</summary>
public static class EstimatorChecks
{
    /// <summary>Runs every check on one estimator.</summary>
    public static void Run(EstimatorCase c)
    {
        const int k = 3, perCluster = 30, seed = 7;
        var data = Blobs(k, perCluster, c.Features, 1);

        // Fit and predict.
        var estimator = c.Create(k, seed);
        using var model = estimator.Fit(data);
        Assert.Equal(k, model.Clusters);
        Assert.Equal(c.Features, model.Features);
        var labels = model.Predict(data);
        Assert.Equal(data.Rows, labels.Length);
        Assert.All(labels, l => Assert.InRange(l, 0, k - 1));
        Assert.True(labels.Distinct().Count() >= 2, $"{c.Name} put every row in one cluster on well-separated blobs.");
        var p = model.PredictProbabilities(data);
        Assert.Equal(data.Rows, p.GetLength(0));
        Assert.Equal(k, p.GetLength(1));
        for (int i = 0; i < data.Rows; i++)
        {
            double sum = 0;
            for (int j = 0; j < k; j++) { Assert.True(p[i, j] >= 0 && float.IsFinite(p[i, j])); sum += p[i, j]; }
            Assert.Equal(1.0, sum, 1e-4);
        }
        Assert.True(model.Summary.Iterations >= 1);
        Assert.True(model.Summary.Elapsed > TimeSpan.Zero);

        // Invalid options: ArgumentOutOfRangeException naming the option, thrown by Fit.
        var bad = c.CreateWithBadOption();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => bad.Fit(data));
        Assert.Equal(c.BadOption, e.ParamName);
        Assert.Contains(c.BadOption, e.Message);

        // Invalid data.
        Assert.Throws<ArgumentException>(() => Dataset.FromValues(new[] { 1f, float.NaN }, 1, 2));
        var tooFew = Blobs(1, 2, c.Features, 2);
        Assert.Throws<ArgumentException>(() => estimator.Fit(tooFew));
        var empty = Dataset.FromValues(Array.Empty<float>(), 0, c.Features);
        Assert.Throws<ArgumentException>(() => estimator.Fit(empty));
        var wide = Blobs(k, 2, c.Features + 1, 3);
        var w = Assert.Throws<ArgumentException>(() => model.Predict(wide));
        Assert.Contains(c.Features.ToString(System.Globalization.CultureInfo.InvariantCulture), w.Message);
        Assert.Throws<ArgumentException>(() => model.PredictProbabilities(wide));
        var fitTensor = estimator.GetType().GetMethod("FitTensor", BindingFlags.Public | BindingFlags.Instance);
        if (fitTensor is not null)
        {
            using var nan = full(6, c.Features, double.NaN);
            var te = Assert.Throws<TargetInvocationException>(() => fitTensor.Invoke(estimator, new object?[] { nan, null, CancellationToken.None }));
            var inner = Assert.IsType<ArgumentException>(te.InnerException);
            Assert.Contains("non-finite", inner.Message);
            using var x = data.ToTensor();
            using var before = x.clone();
            using var tm = (IClusteringModel)fitTensor.Invoke(estimator, new object?[] { x, null, CancellationToken.None })!;
            Assert.True(x.equal(before).all().item<bool>(), "FitTensor modified its input.");
        }

        // Save/load round trip: identical probabilities through the generic loader.
        using (var ms = new MemoryStream())
        {
            model.Save(ms);
            ms.Position = 0;
            using var loaded = ModelFile.Load(ms);
            Assert.Equal(model.GetType(), loaded.GetType());
            Assert.Equal(model.Features, loaded.Features);
            Assert.Equal(p, loaded.PredictProbabilities(data));
            Assert.Equal(labels, loaded.Predict(data));
        }

        // Cancellation: a cancelled token throws and returns no model; cancelling from the first progress report
        // stops the fit within the iteration in progress.
        using (var cts = new CancellationTokenSource())
        {
            cts.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => c.Create(k, seed).Fit(data, null, cts.Token));
        }
        using (var cts = new CancellationTokenSource())
        {
            int afterCancel = 0;
            var progress = new Inline(r =>
            {
                if (r.Phase != TrainingPhase.Training) return;
                if (cts.IsCancellationRequested) afterCancel++;
                else cts.Cancel();
            });
            Assert.ThrowsAny<OperationCanceledException>(() => c.Create(k, seed).Fit(data, progress, cts.Token));
            Assert.True(afterCancel <= 1, $"{c.Name} ran {afterCancel} more iterations after cancellation.");
        }

        // Same seed, same labels (CPU).
        using (var again = c.Create(k, seed).Fit(data))
            Assert.Equal(labels, again.Predict(data));

        // A disposed model refuses work.
        var disposable = c.Create(k, seed).Fit(data);
        disposable.Dispose();
        Assert.Throws<ObjectDisposedException>(() => disposable.Predict(data));
    }

    /// <summary>K well-separated blobs in <paramref name="features"/> dimensions.</summary>
    public static Dataset Blobs(int k, int perCluster, int features, int seed)
    {
        var rng = new Random(seed);
        int n = k * perCluster;
        var v = new float[n * features];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % k;
            for (int j = 0; j < features; j++)
                v[i * features + j] = (float)((j == labels[i] % features ? 10.0 * (1 + labels[i] / features) : 0.0) + Mixtures.MixtureTestData.Normal(rng));
        }
        return Dataset.FromValues(v, n, features, labels, "workout");
    }

    private sealed class Inline(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
