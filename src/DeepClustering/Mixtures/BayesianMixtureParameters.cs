using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// One set of variational posterior parameters of a Dirichlet-process Gaussian mixture, in the fit's centred
/// coordinates: stick posteriors Beta(a_k, b_k), mean precisions κ_k, posterior means m_k, Wishart degrees of
/// freedom ν_k and the expected covariances (scikit-learn's <c>covariances_</c>) with their precision Cholesky
/// factors, plus the prepared E-step kernel. The T-sized vectors are managed doubles; the tensors are double
/// precision on the fit's device, detached from dispose scopes and owned (disposed) by this object.
/// </summary>
public sealed class BayesianMixtureParameters : IDisposable
{
    /// <summary>Takes ownership of the tensors (detached from dispose scopes) and prepares the E-step kernel.</summary>
    /// <param name="priors">The fit's priors (shared, not owned).</param>
    /// <param name="concentrationA">a_k of the stick posteriors (K).</param>
    /// <param name="concentrationB">b_k of the stick posteriors (K).</param>
    /// <param name="meanPrecision">κ_k (K).</param>
    /// <param name="degreesOfFreedom">ν_k (K; all equal for tied covariances).</param>
    /// <param name="means">Posterior means m_k (K x D, double).</param>
    /// <param name="covariances">Expected covariances shaped by the covariance type (double).</param>
    /// <param name="precisionsCholesky">Their precision Cholesky factors (double).</param>
    /// <param name="dtype">Working dtype of the E-step kernel.</param>
    public BayesianMixtureParameters(BayesianMixturePriors priors, double[] concentrationA, double[] concentrationB, double[] meanPrecision,
        double[] degreesOfFreedom, Tensor means, Tensor covariances, Tensor precisionsCholesky, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(priors);
        ArgumentNullException.ThrowIfNull(means);
        Priors = priors;
        Covariance = priors.Covariance;
        ConcentrationA = concentrationA;
        ConcentrationB = concentrationB;
        MeanPrecision = meanPrecision;
        DegreesOfFreedom = degreesOfFreedom;
        Means = means.DetachFromDisposeScope();
        Covariances = covariances.DetachFromDisposeScope();
        PrecisionsCholesky = precisionsCholesky.DetachFromDisposeScope();
        LogWeights = BayesianMixtureMath.ExpectedLogWeights(concentrationA, concentrationB);
        Weights = BayesianMixtureMath.ExpectedWeights(concentrationA, concentrationB);
        var offsets = BayesianMixtureMath.LogProbabilityOffsets(degreesOfFreedom, meanPrecision, Features);
        var bias = offsets.Select((o, k) => o + LogWeights[k]).ToArray();
        using (var biasT = tensor(bias, dtype: ScalarType.Float64, device: Means.device))
            Density = GaussianLogDensity.Create(Covariance, Means, PrecisionsCholesky, biasT, dtype);
    }

    /// <summary>The fit's priors.</summary>
    public BayesianMixturePriors Priors { get; }

    /// <summary>Covariance type.</summary>
    public CovarianceType Covariance { get; }

    /// <summary>Number of components (truncation level) K.</summary>
    public int Components => MeanPrecision.Length;

    /// <summary>Number of features D.</summary>
    public int Features => (int)Means.shape[1];

    /// <summary>a_k of the Beta stick posteriors.</summary>
    public double[] ConcentrationA { get; }

    /// <summary>b_k of the Beta stick posteriors.</summary>
    public double[] ConcentrationB { get; }

    /// <summary>κ_k, the precisions of the posterior means.</summary>
    public double[] MeanPrecision { get; }

    /// <summary>ν_k, the Wishart degrees of freedom.</summary>
    public double[] DegreesOfFreedom { get; }

    /// <summary>E[log π_k] under the stick posteriors.</summary>
    public double[] LogWeights { get; }

    /// <summary>Expected weights E[π_k], renormalised to sum to 1.</summary>
    public double[] Weights { get; }

    /// <summary>Posterior means m_k (K x D, double, centred).</summary>
    public Tensor Means { get; }

    /// <summary>Expected covariances (double) shaped by <see cref="Covariance"/>.</summary>
    public Tensor Covariances { get; }

    /// <summary>Precision Cholesky factors of <see cref="Covariances"/>.</summary>
    public Tensor PrecisionsCholesky { get; }

    /// <summary>E-step kernel: E[log N(x | μ_k, Λ_k)] + E[log π_k] for each row and component.</summary>
    public GaussianLogDensity Density { get; }

    /// <summary>Releases every tensor.</summary>
    public void Dispose()
    {
        Means.Dispose(); Covariances.Dispose(); PrecisionsCholesky.Dispose(); Density.Dispose();
    }
}
