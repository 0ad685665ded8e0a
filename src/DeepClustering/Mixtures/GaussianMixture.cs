using DeepClustering.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// Gaussian mixture fitted by EM (scikit-learn's <c>GaussianMixture</c>): full, diagonal, spherical or tied
/// covariances stored as precision Cholesky factors; k-means, k-means++, random, random-data-point or user-given
/// initialisation; restarts. E- and M-steps are batched tensor operations over row chunks that accumulate
/// sufficient statistics, so memory does not grow with the row count, on CPU or CUDA.
/// </summary>
/// <example>
/// <code>
/// var gmm = new GaussianMixture(new GaussianMixtureOptions { Components = 3, Covariance = CovarianceType.Diagonal, Seed = 0 });
/// using var model = gmm.Fit(data);
/// double[] logLikelihood = model.ScoreSamples(data);
/// </code>
/// </example>
public sealed class GaussianMixture : MixtureEstimatorBase<GaussianMixtureOptions, GaussianParameters, GaussianMixtureModel>
{
    /// <summary>Creates the estimator.</summary>
    public GaussianMixture(GaussianMixtureOptions options) : base(options) { }

    /// <summary>Creates the estimator with default options.</summary>
    public GaussianMixture(int components, CovarianceType covariance = CovarianceType.Full)
        : base(new GaussianMixtureOptions { Components = components, Covariance = covariance }) { }

    /// <inheritdoc />
    protected override void CheckParameters(MixtureContext context)
    {
        int d = context.Features;
        if (Options.InitialMeans is { } m && m.GetLength(1) != d)
            throw new ArgumentException($"InitialMeans has {m.GetLength(1)} columns but the data have {d} features.", nameof(GaussianMixtureOptions.InitialMeans));
        if (Options.InitialPrecisions is { } p)
        {
            bool ok = Options.Covariance switch
            {
                CovarianceType.Full => p.GetLength(1) == d && p.GetLength(2) == d,
                CovarianceType.Tied => p.GetLength(0) == d && p.GetLength(1) == d,
                CovarianceType.Diagonal => p.GetLength(1) == d,
                _ => true,
            };
            if (!ok) throw new ArgumentException($"InitialPrecisions does not match the data's {d} features.", nameof(GaussianMixtureOptions.InitialPrecisions));
        }
    }

    /// <inheritdoc />
    protected override bool HasCompleteInitialParameters =>
        Options.InitialWeights is not null && Options.InitialMeans is not null && Options.InitialPrecisions is not null;

    /// <inheritdoc />
    protected override GaussianParameters Initialize(MixtureContext context, MixtureStatistics? statistics)
    {
        using var scope = NewDisposeScope();
        var type = Options.Covariance;
        var device = context.Device;
        Tensor? weights = null, means = null, covariances = null;
        if (statistics is not null)
        {
            var (nk, m, c) = GaussianMath.EstimateGaussianParameters(statistics, Options.CovarianceRegularization);
            weights = nk / nk.sum(); means = m; covariances = c;
        }
        if (Options.InitialWeights is { } w) weights = TensorArrays.FromArray(w, device);
        if (Options.InitialMeans is { } im) means = TensorArrays.FromArray(im, device) - context.Center;
        Tensor precisionsCholesky;
        if (Options.InitialPrecisions is { } ip)
        {
            precisionsCholesky = GaussianMath.PrecisionCholeskyFromPrecisions(type, TensorArrays.FromArray(ip, device));
            covariances = GaussianMath.CovariancesFromCholesky(type, precisionsCholesky);
        }
        else precisionsCholesky = GaussianMath.ComputePrecisionCholesky(type, covariances!, Options.CovarianceRegularization);
        return new GaussianParameters(type, weights!, means!, covariances!, precisionsCholesky, context.Dtype);
    }

    /// <inheritdoc />
    protected override Tensor EstimateLogProb(GaussianParameters parameters, RowChunk chunk)
    {
        using var scope = NewDisposeScope();
        var logW = parameters.Weights.log().to(chunk.X.dtype);
        return (parameters.Density.Evaluate(chunk) - logW.unsqueeze(0)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override Tensor EstimateLogWeights(GaussianParameters parameters) => parameters.Weights.log().to(parameters.Density.Dtype);

    /// <inheritdoc />
    protected override Tensor EstimateWeightedLogProb(GaussianParameters parameters, RowChunk chunk) => parameters.Density.Evaluate(chunk);

    /// <inheritdoc />
    protected override GaussianLogDensity? WeightedLogDensity(GaussianParameters parameters) => parameters.Density;

    /// <inheritdoc />
    protected override Tensor? StatisticsReference(GaussianParameters parameters) => parameters.Means.clone();

    /// <inheritdoc />
    protected override GaussianParameters MStep(GaussianParameters parameters, MixtureStatistics statistics, MixtureContext context)
    {
        using var scope = NewDisposeScope();
        var (nk, means, covariances) = GaussianMath.EstimateGaussianParameters(statistics, Options.CovarianceRegularization);
        var weights = nk / nk.sum();
        var pc = GaussianMath.ComputePrecisionCholesky(Options.Covariance, covariances, Options.CovarianceRegularization);
        return new GaussianParameters(Options.Covariance, weights, means, covariances, pc, context.Dtype);
    }

    /// <inheritdoc />
    protected override GaussianMixtureModel CreateModel(GaussianParameters parameters, MixtureContext context, FitSummary summary) =>
        new(Options, parameters.Weights, parameters.Means, parameters.Covariances, parameters.PrecisionsCholesky, context.Center, summary,
            context.Dtype, context.Device);
}
