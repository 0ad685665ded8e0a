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
    /// <see cref="DeepClusteringOptions.InitialClusteringRestarts"/> restarts and
    /// <see cref="DeepClusteringOptions.InitialClusteringCovariance"/> covariances.
    /// </summary>
    protected virtual InitialClusteringSettings? GetInitialClustering(TOptions options) =>
        new(options.InitialClustering, options.InitialClusteringRestarts, options.InitialClusteringCovariance);

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
        using var random = new RandomSource(options.Seed);
        // With restarts, every attempt trains for the warm-up epochs and the one with the lowest loss continues. Without
        // joint training there is no loss to compare them by, so one attempt runs (and the summary says so).
        int restarts = epochs > 0 ? options.Restarts : 1;
        string? restartNote = options.Restarts > 1 && epochs == 0
            ? $"Restarts = {options.Restarts} was not used: restarts are compared by their joint-training loss and this fit trains 0 epochs (InitialClusteringRestarts restarts the clustering of the codes)."
            : null;
        int warmUp = restarts > 1 ? Math.Min(options.RestartEpochs, epochs) : epochs;
        Attempt? best = null;
        try
        {
            for (int restart = 0; restart < restarts; restart++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Restart 0 draws from the fit's own random source, so a single attempt is what it always was.
                var attemptRandom = restart == 0 ? random : random.Derive(1000 + restart);
                int index = restart; // the lambda outlives this iteration
                var attemptProgress = progress is null || restarts == 1 ? progress : new ForwardingProgress(p => progress.Report(p with { Restart = index }));
                var attempt = StartAttempt(data, restart, device, attemptRandom, ownsRandom: restart > 0, epochs, attemptProgress, cancellationToken);
                if (restartNote is not null) attempt.Context!.Warn(restartNote);
                try
                {
                    if (warmUp > 0) attempt.Stopped = TrainJointly(attempt, 0, warmUp);
                }
                catch
                {
                    attempt.Dispose();
                    throw;
                }
                if (best is null || attempt.LastLoss < best.LastLoss)
                {
                    best?.Dispose();
                    best = attempt;
                }
                else
                {
                    attempt.Dispose();
                }
            }
            var winner = best!;
            if (restarts > 1)
                Logger?.LogInformation("{Model}: kept restart {Restart} of {Restarts} (loss {Loss:G5} after {Epochs} epochs)",
                    GetType().Name, winner.Restart, restarts, winner.LastLoss, warmUp);
            if (!winner.Stopped && warmUp < epochs) winner.Stopped = TrainJointly(winner, warmUp, epochs);
            var model = Finish(winner, epochs, clock);
            winner.Dispose(); // what the model did not take over: the scaled data, the optimiser, a derived random source
            best = null;
            return model;
        }
        finally
        {
            best?.Dispose();
        }
    }

    /// <summary>Steps 1 and 2 of one attempt: the autoencoder (pretrained or copied), the head and its initial clustering, the optimiser.</summary>
    private Attempt StartAttempt(Dataset data, int restart, Device device, RandomSource random, bool ownsRandom, int epochs,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var options = Options;
        var pretrained = options.PretrainedAutoencoder;
        var attempt = new Attempt(random, ownsRandom, progress) { Restart = restart };
        try
        {
            // 1. Autoencoder.
            if (pretrained is not null)
            {
                attempt.Scaler = pretrained.Scaler;
                attempt.Network = pretrained.CloneNetwork(device);
                attempt.PretrainHistory = pretrained.LossHistory;
            }
            else
            {
                var architecture = AutoencoderTrainer.ResolveArchitecture(options.Network, data, options.HiddenSizes, options.ResolvedLatentSize,
                    options.Activation, options.TanhBottleneck, options.GlorotInit, nameof(options.Network));
                attempt.Scaler = DeepScaling.Fit(data, options.Scaler, options.TanhBottleneck);
                attempt.Network = architecture.Create(random.Generator);
                attempt.Network.to(device);
            }
            var network = attempt.Network;
            attempt.Data = DeepScaling.ToTensor(attempt.Scaler, data, device);
            if (pretrained is null && options.PretrainEpochs > 0)
                attempt.PretrainHistory = AutoencoderTraining.Train(network, attempt.Data, data.Image, options.ToPretrainSettings(data.Image), random, device, progress, Logger, cancellationToken);

            var context = attempt.Context = new DeepTrainingContext(options, device, random, network, attempt.Data, epochs, Logger, attempt.Warnings, cancellationToken)
                { Image = data.Image, Progress = progress, JointAugment = options.ResolveJointAugment(data.Image) };

            // 2. Head and initial clustering.
            var head = attempt.Head = CreateHead(context) ?? throw new InvalidOperationException($"{GetType().Name}.CreateHead returned null.");
            head.to(device);
            cancellationToken.ThrowIfCancellationRequested();
            var settings = GetInitialClustering(options);
            if (settings is null)
            {
                Initialize(context, head, null);
            }
            else
            {
                using var initial = RunInitialClustering(context, settings, progress);
                attempt.InitialSummary = initial.Model.Summary;
                context.ClusterSizes = initial.ClusterSizes;
                progress?.Report(new TrainingProgress(TrainingPhase.Initialization, 0, 1, 1, initial.Objective, initial.ClusterSizes));
                Initialize(context, head, initial);
            }
            if (epochs > 0) attempt.Optimizer = CreateOptimizer(context, head);
            return attempt;
        }
        catch
        {
            attempt.Dispose();
            throw;
        }
    }

    /// <summary>Step 4: the final assignment, the fit summary and the model (which takes over the attempt's network and head).</summary>
    private TModel Finish(Attempt attempt, int epochs, Stopwatch clock)
    {
        var (context, network, head) = (attempt.Context!, attempt.Network!, attempt.Head!);
        var (history, pretrainHistory, initialSummary, warnings) = (attempt.History, attempt.PretrainHistory, attempt.InitialSummary, attempt.Warnings);
        context.CancellationToken.ThrowIfCancellationRequested();
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
            summary = new FitSummary(attempt.Stopped || !HasStoppingCriterion, history.Count, final, objectiveHistory.ToArray(), attempt.Restart,
                clock.Elapsed, warnings.ToArray());
        }
        else
        {
            // No joint training: the clustering of the codes is the model's fit.
            summary = new FitSummary(initialSummary.Converged, initialSummary.Iterations, initialSummary.FinalObjective,
                initialSummary.ObjectiveHistory.ToArray(), initialSummary.BestRestart, clock.Elapsed,
                warnings.Concat(initialSummary.Warnings).ToArray());
        }
        attempt.Progress?.Report(new TrainingProgress(TrainingPhase.Finalizing, 0, 1, 1, summary.FinalObjective, sizes, GetEffectiveClusters(head), Message: collapse));
        var parts = new DeepModelParts(network, attempt.Scaler!, Options, summary, pretrainHistory, context.Device);
        var model = CreateModel(parts, head);
        attempt.ReleaseModelParts();
        return model;
    }

    /// <summary>One restart's state: what it owns is disposed with it unless the model took it over.</summary>
    private sealed class Attempt(RandomSource random, bool ownsRandom, IProgress<TrainingProgress>? progress) : IDisposable
    {
        public int Restart { get; init; }
        public RandomSource Random { get; } = random;
        public IProgress<TrainingProgress>? Progress { get; } = progress;
        public Scaler? Scaler { get; set; }
        public AutoencoderNetwork? Network { get; set; }
        public IReadOnlyList<double> PretrainHistory { get; set; } = Array.Empty<double>();
        public Tensor? Data { get; set; }
        public DeepTrainingContext? Context { get; set; }
        public THead? Head { get; set; }
        public FitSummary? InitialSummary { get; set; }
        public optim.Optimizer? Optimizer { get; set; }
        public List<double> History { get; } = new();
        public List<string> Warnings { get; } = new();
        public bool Stopped { get; set; }
        public double LastLoss => History.Count > 0 ? History[^1] : double.PositiveInfinity;

        /// <summary>The fitted model owns the network and the head from now on.</summary>
        public void ReleaseModelParts()
        {
            Network = null;
            Head = null;
        }

        public void Dispose()
        {
            Optimizer?.Dispose();
            Head?.Dispose();
            Network?.Dispose();
            Data?.Dispose();
            if (ownsRandom) Random.Dispose();
        }
    }

    /// <summary>Step 3: joint training of an attempt over epochs [from, to); true when <see cref="EndEpoch"/> asked to stop.</summary>
    private bool TrainJointly(Attempt attempt, int from, int to)
    {
        var context = attempt.Context!;
        var head = attempt.Head!;
        var optimizer = attempt.Optimizer!;
        var history = attempt.History;
        var progress = attempt.Progress;
        int epochs = context.TotalEpochs;
        var ct = context.CancellationToken;
        var network = context.Network;
        int k = head.Clusters;
        long n = context.Rows;
        int batchSize = Options.BatchSize;
        using var lossSum = zeros(1, device: context.Device);
        using var counts = zeros(new long[] { k }, ScalarType.Int64, context.Device);
        var termSums = new Dictionary<string, Tensor>();
        try
        {
            for (int epoch = from; epoch < to; epoch++)
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
                    var inputs = context.Data.index_select(0, indices);
                    if (context.JointAugment) inputs = Augmentation.View(inputs, context.Image, context.Options.Augmentation, context.Random);
                    var batch = new DeepBatch(inputs, indices, epoch, batchIndex);
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
                progress?.Report(new TrainingProgress(TrainingPhase.Training, attempt.Restart, epoch + 1, epochs, mean, sizes, GetEffectiveClusters(head), terms, collapse));
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
