using System.Diagnostics;
using DeepClustering.Core;
using DeepClustering.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// The EM template shared by every mixture model (the counterpart of scikit-learn's <c>BaseMixture</c>): option
/// and data checks, restarts, initialisation from responsibilities (k-means, k-means++, random, random data
/// points), the E-step as chunked tensor work that accumulates <see cref="MixtureStatistics"/>, the tolerance
/// test on the lower bound, the iteration history, progress, cancellation, the choice of the best restart and a
/// final E-step. A model fills small hooks: its log-densities and log-weights, initialisation and M-step from
/// sufficient statistics, its lower bound, and how to build the fitted model.
/// </summary>
/// <remarks>
/// Hooks see centred coordinates (rows minus <see cref="MixtureContext.Center"/>, in the working precision) and
/// run with a dispose scope open: tensors they return are owned by the caller; parameters they return must be
/// detached from dispose scopes (see <see cref="GaussianParameters"/>). Every pass checks the cancellation token
/// once per chunk and throws <see cref="OperationCanceledException"/>; no model is returned then.
/// </remarks>
/// <typeparam name="TOptions">Options type.</typeparam>
/// <typeparam name="TParameters">The model's parameter set, owned and disposed by the engine.</typeparam>
/// <typeparam name="TModel">Fitted model type.</typeparam>
public abstract class MixtureEstimatorBase<TOptions, TParameters, TModel> : IClusteringEstimator<TModel>
    where TOptions : MixtureOptions
    where TParameters : class, IDisposable
    where TModel : class, IClusteringModel
{
    /// <summary>Rows of the sample that seeds k-means / k-means++ initialisation of a streamed fit.</summary>
    protected const int StreamInitializationSampleRows = 100_000;

    /// <summary>Stores the options (validated when fitting).</summary>
    protected MixtureEstimatorBase(TOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The options (immutable).</summary>
    public TOptions Options { get; }

    /// <summary>Fits on a dataset, on the device named by the options, in the precision named by the options.</summary>
    public TModel Fit(Dataset data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
        => FitPredictCore(data, progress, cancellationToken, wantLabels: false).Model;

    /// <summary>Fits and returns the labels of the final E-step (equal to <c>model.Predict(data)</c>).</summary>
    public (TModel Model, int[] Labels) FitPredict(Dataset data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var (model, labels) = FitPredictCore(data, progress, cancellationToken, wantLabels: true);
        return (model, labels!);
    }

    /// <summary>
    /// Fits on an N x D tensor on any device (not modified). The model lives on that tensor's device (the Device
    /// option is not used); the precision comes from the options.
    /// </summary>
    public TModel FitTensor(Tensor data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Options.Validate();
        DataChecks.CheckTensor(data, MinimumRows, MinimumRowsReason);
        using var source = InMemoryMixtureData.Create(data, Options.Covariance, WorkingType, data.device);
        return Run(source, progress, cancellationToken, wantLabels: false).Model;
    }

    /// <summary>
    /// Streaming fit: rows are read from <paramref name="source"/> chunk by chunk on every pass (one pass per EM
    /// iteration), so data larger than memory are fitted with the same engine and peak memory does not depend on
    /// the row count. k-means and k-means++ initialisation seed on a uniform sample of at most 100,000 rows.
    /// </summary>
    public TModel Fit(IRowChunkSource source, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Options.Validate();
        ArgumentNullException.ThrowIfNull(source);
        if (source.Columns < 1) throw new ArgumentException($"{source.Name} has no columns.", nameof(source));
        if (source.Rows < MinimumRows)
            throw new ArgumentException($"{source.Name} has {source.Rows} rows but {MinimumRowsReason}; supply more rows or lower the number of clusters.", nameof(source));
        var device = DeviceResolver.Resolve(Options.Device);
        int chunkRows = ChunkRows(source.Columns, device);
        using var data = StreamMixtureData.Create(source, Options.Covariance, WorkingType, device, chunkRows, cancellationToken);
        return Run(data, progress, cancellationToken, wantLabels: false).Model;
    }

    private int ChunkRows(int features, Device device) =>
        Options.ChunkSize ?? GaussianMath.DefaultChunkRows(Options.Covariance, Options.Components, features, WorkingType == ScalarType.Float64 ? 8 : 4,
            onHost: device.type == DeviceType.CPU);

    private (TModel Model, int[]? Labels) FitPredictCore(Dataset data, IProgress<TrainingProgress>? progress, CancellationToken ct, bool wantLabels)
    {
        Options.Validate();
        DataChecks.CheckDataset(data, MinimumRows, MinimumRowsReason);
        var device = DeviceResolver.Resolve(Options.Device);
        MixtureData source;
        using (var x = data.ToTensor(device)) source = InMemoryMixtureData.Create(x, Options.Covariance, WorkingType, device);
        using (source) return Run(source, progress, ct, wantLabels);
    }

    private int MinimumRows => Math.Max(2, Options.Components);

    private string MinimumRowsReason => $"a mixture needs at least max(2, Components = {Options.Components})";

    /// <summary>Working dtype named by <see cref="MixtureOptions.Precision"/>.</summary>
    protected ScalarType WorkingType => Options.Precision == FloatPrecision.Float64 ? ScalarType.Float64 : ScalarType.Float32;

    // ------------------------------------------------------------------------------------------------------
    // Hooks

    /// <summary>Checks options against the data's shape (for example initial means' width). Default: nothing.</summary>
    protected virtual void CheckParameters(MixtureContext context) { }

    /// <summary>True when the options give every parameter, so no responsibilities need computing at initialisation.</summary>
    protected virtual bool HasCompleteInitialParameters => false;

    /// <summary>
    /// Initial parameters (scikit-learn's <c>_initialize</c>) from statistics of the initial responsibilities, or
    /// from the options alone when <paramref name="statistics"/> is null (<see cref="HasCompleteInitialParameters"/>).
    /// </summary>
    protected abstract TParameters Initialize(MixtureContext context, MixtureStatistics? statistics);

    /// <summary>log p(x | component k) (or its expectation for variational models) for each row of the chunk, n x K.</summary>
    protected abstract Tensor EstimateLogProb(TParameters parameters, RowChunk chunk);

    /// <summary>log weights (or their expectation), K, in the working dtype.</summary>
    protected abstract Tensor EstimateLogWeights(TParameters parameters);

    /// <summary>
    /// log p(x | k) + log π_k, n x K, a new tensor the engine may modify. Override to fuse the two. On CPU, for
    /// maximum-likelihood models (no <see cref="NeedsResponsibilityEntropy"/>), the engine may call it concurrently
    /// for different row blocks: it must only read the parameters.
    /// </summary>
    protected virtual Tensor EstimateWeightedLogProb(TParameters parameters, RowChunk chunk)
    {
        using var scope = NewDisposeScope();
        return (EstimateLogProb(parameters, chunk) + EstimateLogWeights(parameters).unsqueeze(0)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The prepared density whose values <see cref="EstimateWeightedLogProb"/> returns, when it is exactly one (for
    /// maximum-likelihood Gaussian mixtures), or null (the default). With diagonal or spherical components on CPU the
    /// engine then runs each E-step and its statistics in one fused pass (<see cref="GaussianLogDensity.AccumulateOnHost"/>).
    /// </summary>
    protected virtual GaussianLogDensity? WeightedLogDensity(TParameters parameters) => null;

    /// <summary>
    /// Reference points (K x D, centred coordinates) about which Full-covariance second moments are accumulated;
    /// the current means keep them well conditioned. Returns a new tensor (the engine disposes it), or null for
    /// zero (the default). Only called for Full covariances.
    /// </summary>
    protected virtual Tensor? StatisticsReference(TParameters parameters) => null;

    /// <summary>Whether the lower bound needs Σ r log r (variational models). Default false.</summary>
    protected virtual bool NeedsResponsibilityEntropy => false;

    /// <summary>M-step from the statistics of one E-step; returns new parameters (the engine disposes the old ones).</summary>
    protected abstract TParameters MStep(TParameters parameters, MixtureStatistics statistics, MixtureContext context);

    /// <summary>
    /// Lower bound after the M-step (scikit-learn's <c>_compute_lower_bound</c>); the default is maximum
    /// likelihood's: the mean log-likelihood of the E-step.
    /// </summary>
    protected virtual double ComputeLowerBound(TParameters parameters, MixtureStatistics statistics, MixtureContext context)
        => statistics.MeanLogProbNorm;

    /// <summary>Builds the fitted model from the best parameters (which the engine disposes afterwards).</summary>
    protected abstract TModel CreateModel(TParameters parameters, MixtureContext context, FitSummary summary);

    // ------------------------------------------------------------------------------------------------------
    // Engine

    private protected (TModel Model, int[]? Labels) Run(MixtureData data, IProgress<TrainingProgress>? progress, CancellationToken ct, bool wantLabels)
    {
        var watch = Stopwatch.StartNew();
        int k = Options.Components;
        int chunkRows = ChunkRows(data.Features, data.Device);
        var context = new MixtureContext(data, k, chunkRows);
        CheckParameters(context);
        using var rng = new RandomSource(Options.Seed);
        TParameters? best = null;
        List<double>? bestHistory = null;
        double bestBound = double.NegativeInfinity;
        int bestIterations = 0, bestRestart = 0;
        bool bestConverged = false;
        var warnings = new List<string>();
        try
        {
            for (int restart = 0; restart < Options.Restarts; restart++)
            {
                ct.ThrowIfCancellationRequested();
                using var sub = rng.Derive(restart);
                context.Random = sub;
                context.Restart = restart;
                progress?.Report(new TrainingProgress(TrainingPhase.Initialization, restart, 0, Options.MaxIterations, double.NaN,
                    Message: $"initialising from {(HasCompleteInitialParameters ? "the given parameters" : Options.Init.ToString())}"));
                var parameters = InitializeParameters(data, context, ct);
                var history = new List<double>();
                double bound = double.NegativeInfinity;
                bool converged = false;
                int iterations = 0;
                try
                {
                    for (int it = 1; it <= Options.MaxIterations; it++)
                    {
                        iterations = it;
                        double previous = bound;
                        long[]? sizes;
                        using (var stats = EStep(parameters, data, context, progress is not null, null, ct, out sizes))
                        {
                            var next = MStep(parameters, stats, context);
                            if (!ReferenceEquals(next, parameters)) { parameters.Dispose(); parameters = next; }
                            bound = ComputeLowerBound(parameters, stats, context);
                        }
                        if (!double.IsFinite(bound))
                            throw new ClusteringNumericsException($"The EM lower bound became {bound} at iteration {it} (restart {restart}). " +
                                "Scale the data (standardise each feature), raise CovarianceRegularization, or use Precision = Float64.");
                        history.Add(bound);
                        progress?.Report(new TrainingProgress(TrainingPhase.Training, restart, it, Options.MaxIterations, bound,
                            sizes?.Select(v => (int)v).ToArray()));
                        if (Math.Abs(bound - previous) < Options.Tolerance) { converged = true; break; }
                    }
                }
                catch
                {
                    parameters.Dispose();
                    throw;
                }
                if (!converged)
                    warnings.Add($"Restart {restart} did not converge in {Options.MaxIterations} iterations; raise MaxIterations or Tolerance, or check for degenerate data.");
                if (best is null || bound > bestBound)
                {
                    best?.Dispose();
                    best = parameters; bestBound = bound; bestHistory = history; bestIterations = iterations;
                    bestRestart = restart; bestConverged = converged;
                }
                else parameters.Dispose();
            }

            // Final E-step with the kept parameters: labels (FitPredict) and cluster sizes, consistent with Predict.
            using var labelTensor = wantLabels ? empty(data.Rows, dtype: ScalarType.Int64, device: data.Device) : null;
            long[]? finalSizes = null;
            if (wantLabels || progress is not null)
            {
                using var _ = EStep(best!, data, context, true, labelTensor, ct, out finalSizes);
            }
            progress?.Report(new TrainingProgress(TrainingPhase.Finalizing, bestRestart, bestIterations, Options.MaxIterations, bestBound,
                finalSizes?.Select(v => (int)v).ToArray()));
            ct.ThrowIfCancellationRequested();
            var summary = new FitSummary(bestConverged, bestIterations, bestBound, bestHistory!, bestRestart, watch.Elapsed, warnings);
            var model = CreateModel(best!, context, summary);
            return (model, labelTensor is null ? null : TensorArrays.ToInt(labelTensor));
        }
        finally
        {
            best?.Dispose();
            context.Release();
        }
    }

    private TParameters InitializeParameters(MixtureData data, MixtureContext context, CancellationToken ct)
    {
        if (HasCompleteInitialParameters) return Initialize(context, null);
        int k = Options.Components;
        using var stats = new MixtureStatistics(Options.Covariance, k, data.Features, data.Device, null, data.Dtype);
        switch (Options.Init)
        {
            case MixtureInit.KMeans:
            {
                // One k-means run (k-means++ seeding, scikit-learn's defaults), then hard responsibilities over all rows.
                using var scope = NewDisposeScope();
                var sample = data.InitializationSample(StreamInitializationSampleRows, context.Random, ct);
                using var run = KMeansEngine.Fit(sample, k, KMeansInit.KMeansPlusPlus, 1, 300, 1e-4,
                    KMeansEngine.DefaultChunkRows(k, data.Features, (int)sample.ElementSize), context.Random, null, ct);
                var centers = run.Centers;
                var cc = centers.square().sum(dim: 1).unsqueeze(0);
                foreach (var chunk in data.Chunks(context.ChunkRows, ct))
                    using (chunk)
                    using (var inner = NewDisposeScope())
                    {
                        var labels = cc.addmm(chunk.X, centers.t(), beta: 1, alpha: -2).argmin(1);
                        stats.Add(chunk, nn.functional.one_hot(labels, k).to(data.Dtype));
                    }
                break;
            }
            case MixtureInit.KMeansPlusPlus:
            {
                // Greedy k-means++ seeds (on a sample when streaming); component j starts at seed j alone.
                using var scope = NewDisposeScope();
                var sample = data.InitializationSample(StreamInitializationSampleRows, context.Random, ct);
                var seeds = KMeansEngine.SeedPlusPlus(sample, KMeansEngine.RowNorms(sample), k, context.Random.Random,
                    KMeansEngine.DefaultChunkRows(k, data.Features, (int)sample.ElementSize), ct);
                AddSeedRows(stats, sample.index_select(0, tensor(seeds, device: data.Device)), k, data);
                break;
            }
            case MixtureInit.RandomFromData:
            {
                using var scope = NewDisposeScope();
                var indices = KMeansEngine.SeedRandom(data.Rows, k, context.Random, data.Device);
                var order = Enumerable.Range(0, k).OrderBy(j => indices[j]).ToArray();
                var rows = data.Gather(order.Select(j => indices[j]).ToArray(), ct);    // ascending row order
                var inverse = new long[k];
                for (int p = 0; p < k; p++) inverse[order[p]] = p;
                AddSeedRows(stats, rows.index_select(0, tensor(inverse, device: data.Device)), k, data);
                break;
            }
            default:
            {
                foreach (var chunk in data.Chunks(context.ChunkRows, ct))
                    using (chunk)
                    using (var scope = NewDisposeScope())
                    {
                        var r = context.Random.Uniform(new[] { chunk.Rows, (long)k }, data.Device, data.Dtype);
                        stats.Add(chunk, r / r.sum(dim: 1, keepdim: true));
                    }
                break;
            }
        }
        return Initialize(context, stats);
    }

    /// <summary>
    /// Responsibilities that put component j on seed row j only (scikit-learn's one-hot seed responsibilities).
    /// Done in double precision: the resulting covariances are exactly the regularisation, which float32
    /// rounding of x² − 2x·x + x² could push below zero.
    /// </summary>
    private static void AddSeedRows(MixtureStatistics stats, Tensor rows, int k, MixtureData data)
    {
        using var scope = NewDisposeScope();
        var rows64 = rows.to(ScalarType.Float64);
        using var chunk = new RowChunk(GaussianMath.Augment(data.Covariance, rows64), data.Features, 0, ownsAugmented: true);
        stats.Add(chunk, eye(k, dtype: ScalarType.Float64, device: data.Device));
    }

    /// <summary>
    /// Hard cluster sizes from unnormalised responsibilities exp(w − max): each row's largest entry is exactly
    /// exp(0) = 1, so counting ones per column is an arg-max count without the (slower) arg-max. Exact ties,
    /// which practically never occur, count in each tied cluster.
    /// </summary>
    private static void CountHardSizes(Tensor unnormalised, Tensor? sizes)
    {
        if (sizes is null) return;
        using var ones = unnormalised.eq(Scalars.OneDouble);
        using var count = ones.sum(dim: 0, type: ScalarType.Int64);
        sizes.add_(count, Scalars.One);
    }

    /// <summary>Rows per chunk of a fused diagonal E-step over in-memory data (views, no temporaries).</summary>
    private const int FusedChunkRows = 1 << 20;

    /// <summary>Fewest rows a worker of the CPU E-step takes: smaller chunks are not split.</summary>
    private const int MinimumBlockRows = 2048;

    /// <summary>
    /// One E-step pass: responsibilities per chunk, accumulated into statistics (and optionally labels and sizes).
    /// On CPU (maximum-likelihood models) each chunk's responsibilities are normalised by
    /// <see cref="ResponsibilityKernel"/>, or, for a diagonal or spherical <see cref="WeightedLogDensity"/> without
    /// labels to return, the whole E-step and its statistics run in <see cref="DiagonalCovarianceKernel"/>; each
    /// chunk is also split into row blocks processed in parallel
    /// (up to libtorch's thread count), each into its worker's statistics; the workers' statistics are added in
    /// worker order at the end, so a given thread count and chunk size always give the same bits.
    /// </summary>
    private MixtureStatistics EStep(TParameters parameters, MixtureData data, MixtureContext context, bool countSizes, Tensor? labelsOut,
        CancellationToken ct, out long[]? sizes)
    {
        int k = Options.Components;
        Tensor? reference = null;
        if (Options.Covariance == CovarianceType.Full) reference = StatisticsReference(parameters);
        var stats = new MixtureStatistics(Options.Covariance, k, data.Features, data.Device, reference, data.Dtype);
        using var sizeTensor = countSizes ? zeros(k, dtype: ScalarType.Int64, device: data.Device) : null;
        bool entropy = NeedsResponsibilityEntropy;
        var expFloor = data.Dtype == ScalarType.Float64 ? Scalars.ExpFloor64 : Scalars.ExpFloor32;
        bool hostKernel = !entropy && data.Device.type == DeviceType.CPU && data.Dtype is ScalarType.Float32 or ScalarType.Float64;
        // Diagonal and spherical products are too small for libtorch to split, and full and tied components run
        // in the single-threaded FullCovarianceKernel, so rows are split across workers; without that kernel, full
        // and tied products are large enough for libtorch's own threads, and splitting them too oversubscribes.
        bool splitRows = Options.Covariance is CovarianceType.Diagonal or CovarianceType.Spherical || FullCovarianceKernel.Supports(data.Features);
        int workers = hostKernel && splitRows ? Math.Max(1, get_num_threads()) : 1;
        // Diagonal and spherical components fuse the E-step with its statistics (labels, when asked for, come from
        // the tensor path, so that they equal Predict's).
        var fused = hostKernel && labelsOut is null ? WeightedLogDensity(parameters) : null;
        if (fused is not null && !fused.CanAccumulateOnHost(data.Dtype, data.Device)) fused = null;
        var partials = new MixtureStatistics[workers];
        var hostSizes = new long[workers][];
        partials[0] = stats;

        // One block of rows into worker p's statistics.
        void HostBlock(RowChunk block, int p)
        {
            using var scope = NewDisposeScope();
            if (fused is not null)
            {
                partials[p].AddEStepOnHost(block, fused, hostSizes[p]);
                return;
            }
            var w = EstimateWeightedLogProb(parameters, block).contiguous();
            var nk = new double[k];
            double logNorm = data.Dtype == ScalarType.Float64
                ? ResponsibilityKernel.Normalize<double>(LloydKernel.Span<double>(w), k, -690.0, nk, hostSizes[p])
                : ResponsibilityKernel.Normalize<float>(LloydKernel.Span<float>(w), k, -80f, nk, hostSizes[p]);
            partials[p].AddNormalized(block, w, nk, logNorm);
            labelsOut?.narrow(0, block.Start, block.Rows).copy_(w.argmax(1));
        }

        try
        {
            for (int p = 1; p < workers; p++) partials[p] = new MixtureStatistics(Options.Covariance, k, data.Features, data.Device, reference, data.Dtype);
            for (int p = 0; p < workers; p++) hostSizes[p] = countSizes ? new long[k] : Array.Empty<long>();
            // The fused E-step writes no per-chunk temporaries, and in-memory chunks are views: large ones mean one parallel
            // split per million rows rather than one per chunk (about 10% faster at 200,000 rows).
            int chunkRows = fused is not null && data is InMemoryMixtureData && Options.ChunkSize is null ? FusedChunkRows : context.ChunkRows;
            foreach (var chunk in data.Chunks(chunkRows, ct))
                using (chunk)
                using (var scope = NewDisposeScope())
                {
                    ct.ThrowIfCancellationRequested();
                    if (hostKernel)
                    {
                        int parts = (int)Math.Clamp(chunk.Rows / MinimumBlockRows, 1, workers);
                        if (parts == 1) HostBlock(chunk, 0);
                        else
                        {
                            long per = (chunk.Rows + parts - 1) / parts;
                            try
                            {
                                Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, p =>
                                {
                                    long start = p * per, len = Math.Min(per, chunk.Rows - start);
                                    using var block = new RowChunk(chunk.Augmented.narrow(0, start, len), data.Features, chunk.Start + start, ownsAugmented: true);
                                    HostBlock(block, p);
                                });
                            }
                            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
                            {
                                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
                            }
                        }
                        continue;
                    }
                    var w = EstimateWeightedLogProb(parameters, chunk);
                    var max = w.amax(new long[] { 1 }, keepdim: true);
                    // Shifted log-responsibilities, floored so that exp() never yields subnormal numbers: those
                    // are 10-100x slower in every later operation, and below the floor they are zero in effect.
                    w.sub_(max).clamp_min_(expFloor);
                    Tensor resp, logS, rlr = null!;
                    if (entropy)
                    {
                        var e = w.exp();
                        CountHardSizes(e, sizeTensor);
                        var s = e.sum(dim: 1, keepdim: true);
                        logS = s.log();
                        var logResp = w.sub_(logS);
                        resp = e.div_(s);
                        rlr = (resp * logResp).sum(type: ScalarType.Float64);
                    }
                    else
                    {
                        resp = w.exp_();
                        CountHardSizes(resp, sizeTensor);
                        var s = resp.sum(dim: 1, keepdim: true);
                        logS = s.log();
                        resp.div_(s);
                    }
                    stats.Add(chunk, resp, max.add(logS, Scalars.One).sum(type: ScalarType.Float64), entropy ? rlr : null);
                    labelsOut?.narrow(0, chunk.Start, chunk.Rows).copy_(resp.argmax(1));
                }
            for (int p = 1; p < workers; p++) stats.Merge(partials[p]);
        }
        catch
        {
            stats.Dispose();
            throw;
        }
        finally
        {
            for (int p = 1; p < workers; p++) partials[p]?.Dispose();
            reference?.Dispose();
        }
        if (sizeTensor is null) sizes = null;
        else using (var cpuSizes = sizeTensor.cpu()) sizes = cpuSizes.data<long>().ToArray();
        if (sizes is not null && hostKernel)
            foreach (var part in hostSizes)
                for (int j = 0; j < k; j++) sizes[j] += part[j];
        return stats;
    }
}
