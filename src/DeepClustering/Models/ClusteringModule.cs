using System.Diagnostics;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Networks;
using DeepClustering.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// The clustering module (CM) of Boubekki et al. (arXiv 2012.03740) alone on feature vectors: an isotropic Gaussian
/// mixture (soft k-means with a Dirichlet prior on the proportions) written as a one-hidden-layer autoencoder and
/// trained by mini-batch gradient descent. The encoder is a softmax layer giving the assignments γ, the decoder a
/// linear layer whose rows are the centroids; the loss E1 + E2 + E3 equals the soft k-means distortion
/// Σ_i Σ_k γ_ik ‖x_i − μ_k‖² and E4 is the Dirichlet prior (<see cref="ClusteringModuleLoss"/>). For the deep variant
/// on an autoencoder's codes see <see cref="ClusteringModuleAutoencoder"/>.
/// </summary>
/// <example>
/// <code>
/// using var model = new ClusteringModule(new ClusteringModuleOptions { Clusters = 3, Seed = 1 }).Fit(data);
/// int[] labels = model.Predict(data);
/// </code>
/// </example>
public sealed class ClusteringModule : IClusteringEstimator<ClusteringModuleModel>
{
    private const string CollapseAdvice = "raise DirichletConcentration, lower LearningRate, or use Init = KMeans";
    private readonly ILogger? logger;

    /// <summary>Creates the estimator; options are validated by <see cref="Fit"/>.</summary>
    public ClusteringModule(ClusteringModuleOptions options, ILogger? logger = null)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        this.logger = logger;
    }

    /// <summary>Creates the estimator with default options and <paramref name="clusters"/> clusters.</summary>
    public ClusteringModule(int clusters) : this(new ClusteringModuleOptions { Clusters = clusters }) { }

    /// <summary>The options (immutable).</summary>
    public ClusteringModuleOptions Options { get; }

    /// <summary>
    /// Fits the module: scaling, initialisation (k-means centres or random), <see cref="ClusteringModuleOptions.Epochs"/>
    /// epochs of Adam plus the averaging epoch. Same seed ⇒ same labels on CPU. Progress is reported per epoch with the
    /// loss terms and cluster sizes; a collapse or empty clusters are reported in the progress message, the log and
    /// <see cref="FitSummary.Warnings"/> (or stop the fit with <see cref="CollapseBehavior.Throw"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    /// <exception cref="ArgumentException">Fewer rows than clusters (or than 2).</exception>
    /// <exception cref="ClusteringNumericsException">The loss became NaN, or a collapse with <see cref="CollapseBehavior.Throw"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; no model is returned.</exception>
    public ClusteringModuleModel Fit(Dataset data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var options = Options;
        options.Validate();
        if (data.Rows < Math.Max(2, options.Clusters))
            throw new ArgumentException($"ClusteringModule needs at least Clusters = {options.Clusters} rows (and at least 2); got {data.Rows}; supply more rows or lower Clusters.", nameof(data));

        var clock = Stopwatch.StartNew();
        var device = DeviceResolver.Resolve(options.Device);
        var warnings = new List<string>();
        void Warn(string message)
        {
            if (!warnings.Contains(message)) warnings.Add(message);
            logger?.LogWarning("{Message}", message);
        }

        using var random = new RandomSource(options.Seed);
        var scaler = DeepScaling.Fit(data, options.Scaler);
        using var x = DeepScaling.ToTensor(scaler, data, device);
        var layer = new ClusteringModuleLayer(data.Columns, options.Clusters, random.Generator);
        try
        {
            layer.to(device);
            var history = new List<double>();
            if (options.Init != ClusteringModuleInit.Random)
            {
                int seed;
                using (var derived = random.Derive(1)) seed = derived.Seed;
                var (centres, inertia) = ClusteringModuleTraining.KMeansCentres(x, options.Clusters, options.InitRestarts, seed, options.Device, cancellationToken);
                using (centres) ClusteringModuleTraining.SetFromCentres(layer, centres, inertia, data.Rows, options.Init);
                var initialSizes = ClusteringModuleTraining.ClusterSizes(layer, x);
                progress?.Report(new TrainingProgress(TrainingPhase.Initialization, 0, 1, 1, inertia, initialSizes));
            }

            bool collapsed = false;
            var settings = new ModuleTrainingSettings(options.Epochs, options.BatchSize, options.LearningRate, options.AdamEpsilon,
                options.DirichletConcentration, options.LossScale, options.AveragingEpoch);
            history = ClusteringModuleTraining.Train(layer, x, settings, random, e =>
            {
                var collapse = ClusteringModuleTraining.CollapseMessage(e.ClusterSizes, options.CollapseThreshold, $"after epoch {e.Epoch + 1}", CollapseAdvice);
                if (collapse is not null)
                {
                    if (options.OnCollapse == CollapseBehavior.Throw) throw new ClusteringNumericsException(collapse);
                    // The summary keeps the first collapse (and the final state); every epoch's report carries its own.
                    if (!collapsed) Warn(collapse);
                    collapsed = true;
                }
                logger?.LogDebug("clustering module epoch {Epoch}/{Epochs}: loss {Loss:G5}", e.Epoch + 1, e.TotalEpochs, e.Loss);
                progress?.Report(new TrainingProgress(TrainingPhase.Training, 0, e.Epoch + 1, e.TotalEpochs, e.Loss, e.ClusterSizes,
                    Terms: e.Terms, Message: collapse));
            }, "ClusteringModule training", cancellationToken);

            cancellationToken.ThrowIfCancellationRequested();
            layer.eval();
            var sizes = ClusteringModuleTraining.ClusterSizes(layer, x);
            var final = ClusteringModuleTraining.CollapseMessage(sizes, options.CollapseThreshold, "at the end of training", CollapseAdvice)
                ?? ClusteringModuleTraining.EmptyClustersMessage(sizes, "at the end of training", CollapseAdvice);
            if (final is not null) Warn(final);
            double objective = history.Count > 0 ? history[^1] : double.NaN;
            progress?.Report(new TrainingProgress(TrainingPhase.Finalizing, 0, 1, 1, objective, sizes, Message: final));
            var summary = new FitSummary(true, history.Count, objective, history.ToArray(), 0, clock.Elapsed, warnings.ToArray());
            var model = new ClusteringModuleModel(options, layer, scaler, summary, device);
            layer = null!;
            return model;
        }
        finally
        {
            layer?.Dispose();
        }
    }
}
