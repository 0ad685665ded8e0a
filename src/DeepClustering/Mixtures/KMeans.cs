using System.Diagnostics;
using DeepClustering.Core;
using DeepClustering.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// k-means clustering (Lloyd's algorithm) on CPU or CUDA: greedy k-means++ seeding, chunked tensor iterations,
/// restarts keeping the lowest inertia, empty clusters re-seeded at the farthest points. It is also the default
/// initialiser of the mixtures and deep models.
/// </summary>
/// <example>
/// <code>
/// using var model = new KMeans(new KMeansOptions { Clusters = 3, Seed = 1 }).Fit(data);
/// int[] labels = model.Predict(data);
/// </code>
/// </example>
public sealed class KMeans : IClusteringEstimator<KMeansModel>
{
    /// <summary>Creates the estimator.</summary>
    public KMeans(KMeansOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>Creates the estimator with default options and <paramref name="clusters"/> clusters.</summary>
    public KMeans(int clusters) : this(new KMeansOptions { Clusters = clusters }) { }

    /// <summary>The options (immutable).</summary>
    public KMeansOptions Options { get; }

    /// <summary>Fits on a dataset, on the device named by <see cref="ClusteringOptions.Device"/>, in single precision.</summary>
    public KMeansModel Fit(Dataset data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Options.Validate();
        DataChecks.CheckDataset(data, Options.Clusters, $"Clusters = {Options.Clusters} needs at least as many");
        var device = DeviceResolver.Resolve(Options.Device);
        using var x = data.ToTensor(device);
        return FitCore(x, device, progress, cancellationToken);
    }

    /// <summary>
    /// Fits on an N x D tensor on any device (not modified). The model lives on that tensor's device (the Device
    /// option is not used); float64 input is fitted in double precision, any other float type in single precision.
    /// </summary>
    public KMeansModel FitTensor(Tensor data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Options.Validate();
        DataChecks.CheckTensor(data, Options.Clusters, $"Clusters = {Options.Clusters} needs at least as many");
        return FitCore(data, data.device, progress, cancellationToken);
    }

    private KMeansModel FitCore(Tensor data, Device device, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var dtype = DataChecks.WorkingType(data);
        var center = Centering.ColumnMeans(data, device);
        var x = Centering.Apply(data, center, dtype, device);
        int chunk = Options.ChunkSize ?? KMeansEngine.DefaultChunkRows(Options.Clusters, (int)x.shape[1], (int)x.ElementSize);
        using var rng = new RandomSource(Options.Seed);
        using var run = KMeansEngine.Fit(x, Options.Clusters, Options.Init, Options.Restarts, Options.MaxIterations, Options.Tolerance,
            chunk, rng, progress, ct);
        var sizes = run.Labels.bincount(null, Options.Clusters).cpu().data<long>().ToArray().Select(v => (int)v).ToArray();
        progress?.Report(new TrainingProgress(TrainingPhase.Finalizing, run.BestRestart, run.Iterations, Options.MaxIterations, run.Inertia, sizes));
        var summary = new FitSummary(run.Converged, run.Iterations, run.Inertia, run.History, run.BestRestart, watch.Elapsed, run.Warnings);
        return new KMeansModel(Options, run.Centers.to(ScalarType.Float64), center, run.Inertia, summary, dtype, device);
    }
}
