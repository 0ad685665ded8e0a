using System.Diagnostics;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Models;
using DeepClustering.Networks;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>
/// The shared deep-clustering pipeline. <see cref="Fit"/> runs, in order:
/// <list type="number">
/// <item>validation of options and data, device and random source from the options;</item>
/// <item>the autoencoder: pretraining by reconstruction (<see cref="DeepClusteringOptions.PretrainEpochs"/>), or a
///   copy of <see cref="DeepClusteringOptions.PretrainedAutoencoder"/> (its scaler is reused);</item>
/// <item><see cref="CreateHead"/>: the model's clustering module, built on the CPU from the fit's generator;</item>
/// <item>the initial clustering of the codes (<see cref="GetInitialClustering"/>, k-means or a Gaussian mixture)
///   handed to <see cref="Initialize"/>;</item>
/// <item>joint training for <see cref="GetTrainingEpochs"/> epochs: per epoch <see cref="BeginEpoch"/>, then
///   shuffled mini-batches (one dispose scope each) through <see cref="ComputeLoss"/> and the optimiser from
///   <see cref="CreateOptimizer"/>, then cluster sizes, NaN and collapse checks, a progress report and
///   <see cref="EndEpoch"/>;</item>
/// <item>the final assignment with <see cref="DeepClusteringHead.Probabilities"/> and <see cref="CreateModel"/>.</item>
/// </list>
/// A deep model supplies only its options record, its head, its loss and a thin model class.
/// </summary>
/// <typeparam name="TOptions">The model's options record.</typeparam>
/// <typeparam name="THead">The model's clustering module.</typeparam>
/// <typeparam name="TModel">The fitted model.</typeparam>
public abstract class DeepClusteringEstimatorBase<TOptions, THead, TModel> : IClusteringEstimator<TModel>
    where TOptions : DeepClusteringOptions
    where THead : DeepClusteringHead
    where TModel : DeepClusteringModelBase
{
    /// <summary>Creates the estimator; options are validated by <see cref="Fit"/>.</summary>
    protected DeepClusteringEstimatorBase(TOptions options, ILogger? logger = null)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        Logger = logger;
    }

    /// <summary>The settings.</summary>
    public TOptions Options { get; }

    /// <summary>Optional logger.</summary>
    protected ILogger? Logger { get; }

    // ------------------------------------------------------------------ hooks

    /// <summary>
    /// Builds the model's clustering module (parameters initialised from <c>context.Random.Generator</c>, on the
    /// CPU; the pipeline moves it to the device). Called after pretraining, before the initial clustering.
    /// </summary>
    protected abstract THead CreateHead(DeepTrainingContext context);

    /// <summary>
    /// Which clustering of the pretrained codes to run before joint training, or null for none (models that
    /// start from random assignments). Default: <see cref="DeepClusteringOptions.InitialClustering"/> with
    /// <see cref="DeepClusteringOptions.InitialClusteringRestarts"/> restarts and diagonal covariances.
    /// </summary>
    protected virtual InitialClusteringSettings? GetInitialClustering(TOptions options) =>
        new(options.InitialClustering, options.InitialClusteringRestarts);

    /// <summary>
    /// Sets the head's clustering state from the initial clustering (e.g. copy <see cref="InitialClusteringResult.Means"/>
    /// into centre parameters). <paramref name="initial"/> is null when <see cref="GetInitialClustering"/> returned null.
    /// Its tensors are disposed after this call; use <see cref="InitialClusteringResult.TakeModel"/> to keep the model.
    /// </summary>
    protected virtual void Initialize(DeepTrainingContext context, THead head, InitialClusteringResult? initial) { }

    /// <summary>Number of joint-training epochs; default <see cref="DeepClusteringOptions.Epochs"/>. Zero skips joint training.</summary>
    protected virtual int GetTrainingEpochs(TOptions options) => options.Epochs;

    /// <summary>
    /// The optimiser of joint training. Default: Adam over the network's and the head's parameters with
    /// <see cref="DeepClusteringOptions.LearningRate"/> and <see cref="DeepClusteringOptions.WeightDecay"/>.
    /// Override for parameter groups, frozen parts or another optimiser.
    /// </summary>
    protected virtual optim.Optimizer CreateOptimizer(DeepTrainingContext context, THead head) =>
        BufferedAdam.Create(context.Network.parameters().Concat(head.parameters()), Options.LearningRate, Options.WeightDecay);

    /// <summary>
    /// Called before the batches of every epoch (no gradients are recorded unless you enable them): the place for
    /// closed-form steps over all data, e.g. target distributions (DEC), soft means and Q-steps (SR-K-means), or
    /// E/M steps of a latent mixture (DP-GMM). Use <see cref="DeepTrainingContext.EncodeAll"/> for codes.
    /// </summary>
    protected virtual void BeginEpoch(DeepTrainingContext context, THead head, int epoch) { }

    /// <summary>
    /// The loss of one mini-batch (with gradients; the network is in training mode). Runs inside a dispose scope
    /// that the pipeline opens per batch: create tensors freely, do not dispose the batch. Return the total to
    /// minimise plus named terms; set <see cref="DeepLoss.Probabilities"/> when the batch's assignments are at hand.
    /// </summary>
    protected abstract DeepLoss ComputeLoss(DeepTrainingContext context, THead head, DeepBatch batch);

    /// <summary>
    /// Called after every epoch with its mean loss, terms and cluster sizes; return true to stop (converged). The
    /// default never stops early.
    /// </summary>
    protected virtual bool EndEpoch(DeepTrainingContext context, THead head, DeepEpochResult result) => false;

    /// <summary>Whether <see cref="EndEpoch"/> implements a convergence test (else a fit that ran all epochs counts as converged).</summary>
    protected virtual bool HasStoppingCriterion => false;

    /// <summary>
    /// Phase under which the initial clustering's iterations are reported: <see cref="TrainingPhase.Initialization"/>
    /// by default; a model whose clustering of the codes is the fit itself (no joint training) reports Training.
    /// </summary>
    protected virtual TrainingPhase InitialClusteringPhase => TrainingPhase.Initialization;

    /// <summary>
    /// The number of clusters the model currently uses, for models that learn it (e.g. components surviving pruning);
    /// reported as <see cref="TrainingProgress.EffectiveClusters"/> after every epoch and at the end. Default null.
    /// </summary>
    protected virtual int? GetEffectiveClusters(THead head) => null;

    /// <summary>The option(s) to change after a collapse, named in the warning, e.g. "raise DirichletConcentration".</summary>
    protected virtual string CollapseAdvice => "lower LearningRate or Epochs, or check that Clusters suits the data";

    /// <summary>
    /// Builds the fitted model from the trained parts; the model takes ownership of <paramref name="parts"/>'
    /// network and of <paramref name="head"/>.
    /// </summary>
    protected abstract TModel CreateModel(DeepModelParts parts, THead head);

    // ------------------------------------------------------------------ pipeline

    /// <summary>
    /// Fits the model (see the class description for the steps). Same seed ⇒ same weights and labels on CPU.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    /// <exception cref="ArgumentException">The data do not fit (too few rows, feature count differs from the pretrained autoencoder).</exception>
    /// <exception cref="ClusteringNumericsException">The loss became NaN, or a collapse with <see cref="CollapseBehavior.Throw"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; no model is returned.</exception>
    public TModel Fit(Dataset data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var options = Options;
        options.Validate();
        if (data.Rows < Math.Max(2, options.Clusters))
            throw new ArgumentException($"{GetType().Name} needs at least Clusters = {options.Clusters} rows (and at least 2); got {data.Rows}.", nameof(data));
        var pretrained = options.PretrainedAutoencoder;
        if (pretrained is not null && pretrained.Features != data.Columns)
            throw new ArgumentException($"the PretrainedAutoencoder expects {pretrained.Features} features but the data have {data.Columns}.", nameof(data));
        int epochs = GetTrainingEpochs(options);
        if (epochs < 0) throw new InvalidOperationException("GetTrainingEpochs returned a negative number.");

        var clock = Stopwatch.StartNew();
        var device = DeviceResolver.Resolve(options.Device);
        var warnings = new List<string>();
        using var random = new RandomSource(options.Seed);
        AutoencoderNetwork? network = null;
        THead? head = null;
        try
        {
            // 1. Autoencoder.
            Scaler scaler;
            IReadOnlyList<double> pretrainHistory;
            if (pretrained is not null)
            {
                scaler = pretrained.Scaler;
                network = pretrained.CloneNetwork(device);
                pretrainHistory = pretrained.LossHistory;
            }
            else
            {
                var architecture = AutoencoderTrainer.ResolveArchitecture(options.Network, data, options.HiddenSizes, options.ResolvedLatentSize,
                    options.Activation, options.TanhBottleneck, options.GlorotInit, nameof(options.Network));
                scaler = DeepScaling.Fit(data, options.Scaler);
                network = architecture.Create(random.Generator);
                network.to(device);
                pretrainHistory = Array.Empty<double>();
            }
            using var x = DeepScaling.ToTensor(scaler, data, device);
            if (pretrained is null && options.PretrainEpochs > 0)
                pretrainHistory = AutoencoderTraining.Train(network, x, options.ToPretrainSettings(), random, device, progress, Logger, cancellationToken);

            var context = new DeepTrainingContext(options, device, random, network, x, epochs, Logger, warnings, cancellationToken) { Image = data.Image, Progress = progress };

            // 2. Head and initial clustering.
            head = CreateHead(context) ?? throw new InvalidOperationException($"{GetType().Name}.CreateHead returned null.");
            head.to(device);
            cancellationToken.ThrowIfCancellationRequested();
            FitSummary? initialSummary = null;
            var settings = GetInitialClustering(options);
            if (settings is null)
            {
                Initialize(context, head, null);
            }
            else
            {
                using var initial = RunInitialClustering(context, settings, progress);
                initialSummary = initial.Model.Summary;
                context.ClusterSizes = initial.ClusterSizes;
                progress?.Report(new TrainingProgress(TrainingPhase.Initialization, 0, 1, 1, initial.Objective, initial.ClusterSizes));
                Initialize(context, head, initial);
            }

            // 3. Joint training.
            var history = new List<double>();
            bool stoppedEarly = false;
            if (epochs > 0)
                stoppedEarly = TrainJointly(context, head, epochs, history, progress);

            // 4. Final assignment.
            cancellationToken.ThrowIfCancellationRequested();
            network.eval();
            head.eval();
            var sizes = ClusterSizesOf(context, head);
            context.ClusterSizes = sizes;
            var collapse = CollapseMessage(sizes, context.Rows, epochs);
            if (collapse is not null) context.Warn(collapse);
            FitSummary summary;
            if (history.Count > 0 || initialSummary is null)
            {
                double final = history.Count > 0 ? history[^1] : pretrainHistory.Count > 0 ? pretrainHistory[^1] : double.NaN;
                IReadOnlyList<double> objectiveHistory = history.Count > 0 ? history : pretrainHistory;
                summary = new FitSummary(stoppedEarly || !HasStoppingCriterion, history.Count, final, objectiveHistory.ToArray(), 0,
                    clock.Elapsed, warnings.ToArray());
            }
            else
            {
                // No joint training: the clustering of the codes is the model's fit.
                summary = new FitSummary(initialSummary.Converged, initialSummary.Iterations, initialSummary.FinalObjective,
                    initialSummary.ObjectiveHistory.ToArray(), initialSummary.BestRestart, clock.Elapsed,
                    warnings.Concat(initialSummary.Warnings).ToArray());
            }
            progress?.Report(new TrainingProgress(TrainingPhase.Finalizing, 0, 1, 1, summary.FinalObjective, sizes, GetEffectiveClusters(head), Message: collapse));
            var parts = new DeepModelParts(network, scaler, options, summary, pretrainHistory, device);
            var model = CreateModel(parts, head);
            network = null;
            head = null;
            return model;
        }
        finally
        {
            head?.Dispose();
            network?.Dispose();
        }
    }

    private bool TrainJointly(DeepTrainingContext context, THead head, int epochs, List<double> history, IProgress<TrainingProgress>? progress)
    {
        var ct = context.CancellationToken;
        var network = context.Network;
        int k = head.Clusters;
        long n = context.Rows;
        int batchSize = Options.BatchSize;
        using var optimizer = CreateOptimizer(context, head);
        using var lossSum = zeros(1, device: context.Device);
        using var counts = zeros(new long[] { k }, ScalarType.Int64, context.Device);
        var termSums = new Dictionary<string, Tensor>();
        try
        {
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                ct.ThrowIfCancellationRequested();
                context.Epoch = epoch;
                using (no_grad()) BeginEpoch(context, head, epoch);
                network.train();
                head.train();
                lossSum.zero_();
                counts.zero_();
                foreach (var t in termSums.Values) t.zero_();
                bool countedAll = true;
                using var permutation = context.Random.Permutation(n, context.Device);
                int batchIndex = 0;
                for (long start = 0; start < n; start += batchSize, batchIndex++)
                {
                    ct.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    long size = Math.Min(batchSize, n - start);
                    var indices = permutation.narrow(0, start, size);
                    var batch = new DeepBatch(context.Data.index_select(0, indices), indices, epoch, batchIndex);
                    var loss = ComputeLoss(context, head, batch) ?? throw new InvalidOperationException($"{GetType().Name}.ComputeLoss returned null.");
                    optimizer.zero_grad();
                    loss.Total.backward();
                    optimizer.step();
                    using (no_grad())
                    using (var weight = ((double)size).ToScalar())
                    {
                        lossSum.add_(loss.Total.detach(), weight);
                        foreach (var (name, value) in loss.Terms)
                        {
                            if (!termSums.TryGetValue(name, out var sum))
                                termSums[name] = sum = zeros(1, device: context.Device).DetachFromDisposeScope();
                            sum.add_(value.detach().reshape(1), weight);
                        }
                        if (loss.Probabilities is Tensor p) counts.add_(p.argmax(1).bincount(null, k), Mixtures.Scalars.One);
                        else countedAll = false;
                    }
                }

                double mean = lossSum.item<float>() / n;
                var terms = termSums.ToDictionary(kv => kv.Key, kv => (double)kv.Value.item<float>() / n);
                if (!double.IsFinite(mean))
                    throw new ClusteringNumericsException(
                        $"{GetType().Name}: the training loss became {mean} in epoch {epoch + 1}; lower LearningRate (now {Options.LearningRate}), or check the loss weights and the data scaling (Scaler).");
                // Sizes after the epoch's updates when the hook did not report assignments (one extra forward pass).
                IReadOnlyList<int> sizes = countedAll ? DeepTensors.ToIntArray(counts) : ClusterSizesOf(context, head);
                context.ClusterSizes = sizes;
                history.Add(mean);
                var collapse = CollapseMessage(sizes, context.Rows, epoch + 1);
                if (collapse is not null)
                {
                    if (Options.OnCollapse == CollapseBehavior.Throw) throw new ClusteringNumericsException(collapse);
                    context.Warn(collapse);
                }
                Logger?.LogDebug("epoch {Epoch}/{Epochs}: loss {Loss:G5}", epoch + 1, epochs, mean);
                progress?.Report(new TrainingProgress(TrainingPhase.Training, 0, epoch + 1, epochs, mean, sizes, GetEffectiveClusters(head), terms, collapse));
                if (EndEpoch(context, head, new DeepEpochResult(epoch, mean, terms, sizes))) return true;
            }
            return false;
        }
        finally
        {
            foreach (var t in termSums.Values) t.Dispose();
        }
    }

    private static int[] ClusterSizesOf(DeepTrainingContext context, THead head)
    {
        int k = head.Clusters;
        bool training = head.training;
        head.eval();
        try
        {
            using var labels = context.Map(x => head.Probabilities(x, head.Codes(context.Network, x)).argmax(1));
            using var counts = labels.bincount(null, k);
            return DeepTensors.ToIntArray(counts);
        }
        finally
        {
            if (training) head.train();
        }
    }

    private string? CollapseMessage(IReadOnlyList<int> sizes, int rows, int epoch)
    {
        if (sizes.Count < 2 || Options.Clusters < 2) return null;
        int largest = 0;
        for (int i = 1; i < sizes.Count; i++) if (sizes[i] > sizes[largest]) largest = i;
        double share = (double)sizes[largest] / rows;
        if (share < Options.CollapseThreshold) return null;
        int used = sizes.Count(s => s > 0);
        return $"cluster collapse after epoch {epoch}: cluster {largest} holds {share:P1} of the rows ({used} of {sizes.Count} clusters in use); {CollapseAdvice}.";
    }

    private InitialClusteringResult RunInitialClustering(DeepTrainingContext context, InitialClusteringSettings settings,
        IProgress<TrainingProgress>? progress)
    {
        var codes = context.EncodeAll();
        try
        {
            int seed;
            using (var derived = context.Random.Derive(1)) seed = derived.Seed;
            // The EM engine's iterations are reported under this pipeline's phase for them.
            var phase = InitialClusteringPhase;
            var forward = progress is null ? null : new ForwardingProgress(p => progress.Report(p with { Phase = phase }));
            var (model, responsibilities) = LatentClustering.Fit(codes, Options.Clusters, settings, seed, forward, context.CancellationToken);
            try
            {
                return new InitialClusteringResult(settings.Kind, model, codes, responsibilities);
            }
            catch
            {
                model.Dispose();
                responsibilities.Dispose();
                throw;
            }
        }
        catch
        {
            codes.Dispose();
            throw;
        }
    }

    private sealed class ForwardingProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
