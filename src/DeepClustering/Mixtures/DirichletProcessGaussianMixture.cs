using DeepClustering.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// Variational Dirichlet-process Gaussian mixture (scikit-learn's <c>BayesianGaussianMixture</c> with
/// <c>weight_concentration_prior_type="dirichlet_process"</c>): truncated stick-breaking variational inference
/// with a Beta(1, α₀) prior on the sticks and a Gaussian–Wishart prior on each component, for full, diagonal,
/// spherical or tied covariances. It learns how many of the T = <see cref="MixtureOptions.Components"/>
/// components the data need: unneeded components lose their weight, and
/// <see cref="DirichletProcessGaussianMixtureModel.EffectiveClusters"/> counts those whose weight exceeds
/// <see cref="DirichletProcessGaussianMixtureOptions.EffectiveWeightThreshold"/>. Runs on the chunked EM engine
/// (<see cref="MixtureEstimatorBase{TOptions, TParameters, TModel}"/>) on CPU or CUDA.
/// </summary>
/// <example>
/// <code>
/// var dp = new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions { Components = 20, Seed = 0 });
/// using var model = dp.Fit(data);
/// Console.WriteLine($"{model.EffectiveClusters} clusters; lower bound {model.Summary.FinalObjective}");
/// </code>
/// </example>
public sealed class DirichletProcessGaussianMixture
    : MixtureEstimatorBase<DirichletProcessGaussianMixtureOptions, BayesianMixtureParameters, DirichletProcessGaussianMixtureModel>
{
    // Only set on the short-lived estimator that FitFromResponsibilities creates.
    private readonly Tensor? _startData;
    private readonly Tensor? _startResponsibilities;

    /// <summary>Creates the estimator.</summary>
    public DirichletProcessGaussianMixture(DirichletProcessGaussianMixtureOptions options) : base(options) { }

    /// <summary>Creates the estimator with default options, truncation level <paramref name="truncation"/> and the given covariance type.</summary>
    public DirichletProcessGaussianMixture(int truncation = DirichletProcessGaussianMixtureOptions.DefaultTruncation, CovarianceType covariance = CovarianceType.Full)
        : base(new DirichletProcessGaussianMixtureOptions { Components = truncation, Covariance = covariance }) { }

    private DirichletProcessGaussianMixture(DirichletProcessGaussianMixtureOptions options, Tensor data, Tensor responsibilities) : base(options)
    {
        _startData = data;
        _startResponsibilities = responsibilities;
    }

    /// <summary>
    /// Fits on an N x D tensor (not modified), starting from given responsibilities instead of
    /// <see cref="MixtureOptions.Init"/>: the initial parameters are one variational M-step with them (scikit-learn's
    /// <c>_initialize(X, resp)</c>). Use it to warm-start from an earlier fit or to reproduce another implementation.
    /// The model lives on the data's device; one restart is run.
    /// </summary>
    /// <param name="data">N x D floating-point tensor.</param>
    /// <param name="initialResponsibilities">N x T non-negative tensor (rows normally summing to 1), any device; not modified.</param>
    /// <param name="progress">Optional progress sink.</param>
    /// <param name="cancellationToken">Cancels the fit.</param>
    public DirichletProcessGaussianMixtureModel FitFromResponsibilities(Tensor data, Tensor initialResponsibilities,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Options.Validate();
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(initialResponsibilities);
        var r = initialResponsibilities;
        if (r.dim() != 2 || r.shape[1] != Options.Components || (data.dim() == 2 && r.shape[0] != data.shape[0]))
            throw new ArgumentException($"initialResponsibilities must be an N x Components tensor ({(data.dim() == 2 ? data.shape[0] : -1)} x {Options.Components}); " +
                $"got [{string.Join(", ", r.shape)}].", nameof(initialResponsibilities));
        DataChecks.CheckFinite(r, nameof(initialResponsibilities));
        using (var negative = r.lt(0).any())
            if (negative.item<bool>())
                throw new ArgumentException("initialResponsibilities must be non-negative.", nameof(initialResponsibilities));
        var single = new DirichletProcessGaussianMixture(Options with { Restarts = 1 }, data, r);
        return single.FitTensor(data, progress, cancellationToken);
    }

    /// <inheritdoc />
    protected override void CheckParameters(MixtureContext context)
    {
        int d = context.Features;
        if (Options.MeanPrior is { } m && m.Length != d)
            throw new ArgumentException($"MeanPrior has {m.Length} values but the data have {d} features.", nameof(DirichletProcessGaussianMixtureOptions.MeanPrior));
        if (Options.DegreesOfFreedomPrior is double nu && nu <= d - 1)
            throw new ArgumentOutOfRangeException(nameof(DirichletProcessGaussianMixtureOptions.DegreesOfFreedomPrior), nu,
                $"DegreesOfFreedomPrior must be greater than D − 1 = {d - 1} for data with {d} features; got {nu}.");
        if (Options.CovariancePrior is { } p)
        {
            bool ok = Options.Covariance switch
            {
                CovarianceType.Full or CovarianceType.Tied => p.GetLength(0) == d && p.GetLength(1) == d,
                CovarianceType.Diagonal => p.Length == d,
                _ => true,
            };
            if (!ok) throw new ArgumentException($"CovariancePrior does not match the data's {d} features.", nameof(DirichletProcessGaussianMixtureOptions.CovariancePrior));
            if (Options.Covariance is CovarianceType.Full or CovarianceType.Tied)
            {
                using var scope = NewDisposeScope();
                var c = TensorArrays.FromArray(p, CPU);
                var asym = (c - c.t()).abs().max().item<double>();
                var (_, info) = linalg.cholesky_ex(c);
                if (asym > 1e-8 + 1e-8 * c.abs().max().item<double>() || info.item<int>() != 0)
                    throw new ArgumentOutOfRangeException(nameof(DirichletProcessGaussianMixtureOptions.CovariancePrior),
                        "CovariancePrior must be a symmetric positive-definite matrix.");
            }
        }
        if (_startData is not null && _startData.shape[0] != context.Rows)
            throw new ArgumentException("initialResponsibilities must have one row per data row.", "initialResponsibilities");
    }

    /// <inheritdoc />
    protected override bool HasCompleteInitialParameters => _startResponsibilities is not null;

    /// <inheritdoc />
    protected override BayesianMixtureParameters Initialize(MixtureContext context, MixtureStatistics? statistics)
    {
        var priors = ResolvePriors(context);
        if (statistics is not null) return BayesianMixtureMath.MStep(statistics, priors, Options.CovarianceRegularization, context.Dtype, DataWeight(context));
        using var given = GivenStatistics(context);
        return BayesianMixtureMath.MStep(given, priors, Options.CovarianceRegularization, context.Dtype, DataWeight(context));
    }

    /// <summary>Statistics of the given initial responsibilities, on the fit's centred coordinates, chunk by chunk.</summary>
    private MixtureStatistics GivenStatistics(MixtureContext context)
    {
        var stats = new MixtureStatistics(Options.Covariance, Options.Components, context.Features, context.Device, null, context.Dtype);
        try
        {
            using var scope = NewDisposeScope();
            var x = Centering.Apply(_startData!, context.Center, context.Dtype, context.Device);
            var r = _startResponsibilities!.to(context.Dtype, context.Device);
            for (long s = 0; s < context.Rows; s += context.ChunkRows)
            {
                using var inner = NewDisposeScope();
                long len = Math.Min(context.ChunkRows, context.Rows - s);
                using var chunk = new RowChunk(GaussianMath.Augment(Options.Covariance, x.narrow(0, s, len)), context.Features, s, ownsAugmented: true);
                stats.Add(chunk, r.narrow(0, s, len));
            }
            return stats;
        }
        catch
        {
            stats.Dispose();
            throw;
        }
    }

    /// <summary>The priors of this fit: the options' values, or scikit-learn's data-derived defaults.</summary>
    private BayesianMixturePriors ResolvePriors(MixtureContext context)
    {
        int d = context.Features;
        var type = Options.Covariance;
        var (mean, cov) = context.DataMoments();
        var center = TensorArrays.ToDouble1D(context.Center);
        var m0 = Options.MeanPrior is { } m ? m.Select((v, j) => v - center[j]).ToArray() : TensorArrays.ToDouble1D(mean);
        double[] c0;
        if (Options.CovariancePrior is { } p) c0 = p.Cast<double>().ToArray();
        else
        {
            using var scope = NewDisposeScope();
            c0 = type switch
            {
                CovarianceType.Full or CovarianceType.Tied => TensorArrays.ToDouble1D(cov.reshape(-1)),
                CovarianceType.Diagonal => TensorArrays.ToDouble1D(cov.diagonal()),
                _ => new[] { cov.diagonal().mean().item<double>() },
            };
        }
        return new BayesianMixturePriors(type, Options.WeightConcentrationPrior ?? 1.0 / Options.Components, Options.MeanPrecisionPrior ?? 1.0, m0,
            Options.DegreesOfFreedomPrior ?? d, c0);
    }

    /// <inheritdoc />
    protected override Tensor EstimateLogProb(BayesianMixtureParameters parameters, RowChunk chunk)
    {
        using var scope = NewDisposeScope();
        var logW = EstimateLogWeights(parameters);
        return (parameters.Density.Evaluate(chunk) - logW.unsqueeze(0)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override Tensor EstimateLogWeights(BayesianMixtureParameters parameters) =>
        tensor(parameters.LogWeights, dtype: ScalarType.Float64, device: parameters.Means.device).to(parameters.Density.Dtype);

    /// <inheritdoc />
    protected override Tensor EstimateWeightedLogProb(BayesianMixtureParameters parameters, RowChunk chunk) => parameters.Density.Evaluate(chunk);

    /// <inheritdoc />
    protected override Tensor? StatisticsReference(BayesianMixtureParameters parameters) => parameters.Means.clone();

    /// <inheritdoc />
    protected override bool NeedsResponsibilityEntropy => true;

    /// <inheritdoc />
    protected override BayesianMixtureParameters MStep(BayesianMixtureParameters parameters, MixtureStatistics statistics, MixtureContext context) =>
        BayesianMixtureMath.MStep(statistics, parameters.Priors, Options.CovarianceRegularization, context.Dtype, DataWeight(context));

    /// <inheritdoc />
    protected override double ComputeLowerBound(BayesianMixtureParameters parameters, MixtureStatistics statistics, MixtureContext context) =>
        BayesianMixtureMath.LowerBound(parameters, statistics.SumResponsibilityLogResponsibility, DataWeight(context));

    /// <summary>ζ = min(1, EffectiveSampleSize / N).</summary>
    private double DataWeight(MixtureContext context) =>
        Options.EffectiveSampleSize is double n && n < context.Rows ? n / context.Rows : 1.0;

    /// <inheritdoc />
    protected override DirichletProcessGaussianMixtureModel CreateModel(BayesianMixtureParameters parameters, MixtureContext context, FitSummary summary)
    {
        int effective = parameters.Weights.Count(w => w > Options.EffectiveWeightThreshold);
        var outcome = DirichletProcessDiagnostics.Classify(effective, Options.Components);
        var warning = DirichletProcessDiagnostics.Describe(outcome, Options.Components, parameters.Priors.WeightConcentration,
            nameof(DirichletProcessGaussianMixtureOptions.WeightConcentrationPrior), nameof(MixtureOptions.Components), Options.EffectiveWeightThreshold);
        if (warning is not null) summary = summary with { Warnings = summary.Warnings.Append(warning).ToArray() };
        return new DirichletProcessGaussianMixtureModel(Options, parameters, context.Center, summary, context.Dtype, context.Device, DataWeight(context));
    }
}
