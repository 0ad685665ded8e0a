using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// One parameter set of a Gaussian mixture in centred coordinates (all double precision, on the fit's device),
/// with its prepared <see cref="GaussianLogDensity"/> (bias = log weights) in the working precision. Owns and
/// disposes its tensors; they are detached from dispose scopes.
/// </summary>
public sealed class GaussianParameters : IDisposable
{
    /// <summary>Takes ownership of the given double tensors (they are detached from any dispose scope).</summary>
    /// <param name="covariance">Covariance type.</param>
    /// <param name="weights">Mixing weights (K), summing to 1.</param>
    /// <param name="means">Means (K x D).</param>
    /// <param name="covariances">Covariances shaped by <paramref name="covariance"/>.</param>
    /// <param name="precisionsCholesky">Precision Cholesky factors shaped by <paramref name="covariance"/>.</param>
    /// <param name="dtype">Working dtype of the density kernel.</param>
    public GaussianParameters(CovarianceType covariance, Tensor weights, Tensor means, Tensor covariances, Tensor precisionsCholesky, ScalarType dtype)
    {
        Covariance = covariance;
        Weights = weights.DetachFromDisposeScope();
        Means = means.DetachFromDisposeScope();
        Covariances = covariances.DetachFromDisposeScope();
        PrecisionsCholesky = precisionsCholesky.DetachFromDisposeScope();
        using (var logW = Weights.log())
            Density = GaussianLogDensity.Create(covariance, Means, PrecisionsCholesky, logW, dtype);
    }

    /// <summary>Covariance type.</summary>
    public CovarianceType Covariance { get; }

    /// <summary>Mixing weights (K).</summary>
    public Tensor Weights { get; }

    /// <summary>Means in centred coordinates (K x D).</summary>
    public Tensor Means { get; }

    /// <summary>Covariances.</summary>
    public Tensor Covariances { get; }

    /// <summary>Precision Cholesky factors.</summary>
    public Tensor PrecisionsCholesky { get; }

    /// <summary>log N(x | μ_k, Σ_k) + log π_k kernel.</summary>
    public GaussianLogDensity Density { get; }

    /// <summary>Releases every tensor.</summary>
    public void Dispose()
    {
        Weights.Dispose(); Means.Dispose(); Covariances.Dispose(); PrecisionsCholesky.Dispose(); Density.Dispose();
    }
}
