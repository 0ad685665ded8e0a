using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// The per-covariance-type mathematics of Gaussian mixtures, as small pure functions (the counterpart of
/// scikit-learn's <c>_gaussian_mixture.py</c>). Parameter tensors are double precision: means K x D;
/// covariances and precision Cholesky factors Full K x D x D, Tied D x D, Diagonal K x D, Spherical K.
/// A precision Cholesky factor P satisfies P Pᵀ = Σ⁻¹, so log N(x | μ, Σ) = −½(D log 2π + ‖(x − μ)ᵀ P‖²) + log det P.
/// </summary>
public static class GaussianMath
{
    /// <summary>log(2π).</summary>
    public const double Log2Pi = 1.8378770664093453;

    /// <summary>Ten machine epsilons, added to component counts so empty components do not divide by zero (as scikit-learn).</summary>
    public const double CountEpsilon = 10 * 2.220446049250313e-16;

    /// <summary>Number of columns of an augmented chunk (see <see cref="Augment"/>).</summary>
    public static int AugmentedWidth(CovarianceType type, int features) => type switch
    {
        CovarianceType.Diagonal => 2 * features,
        _ => features + 1,
    };

    /// <summary>
    /// Appends the columns the covariance type's kernels need to centred rows x: Diagonal [x, x²],
    /// Spherical [x, ‖x‖²], Full and Tied [x, 1]. With them a single matrix product gives every component's
    /// log-density (diagonal, spherical) or whitened residuals (full, tied), and the M-step sums in one product.
    /// </summary>
    public static Tensor Augment(CovarianceType type, Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor extra = type switch
        {
            CovarianceType.Diagonal => x.mul(x),
            CovarianceType.Spherical => x.mul(x).sum(dim: 1, keepdim: true),
            _ => ones(x.shape[0], 1, dtype: x.dtype, device: x.device),
        };
        return cat(new[] { x, extra }, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// M-step from sufficient statistics (scikit-learn's <c>_estimate_gaussian_parameters</c>): component counts
    /// (plus <see cref="CountEpsilon"/>), means, and covariances with <paramref name="regularization"/> added to
    /// their diagonals. All results are double precision, in the statistics' (centred) coordinates.
    /// </summary>
    public static (Tensor Counts, Tensor Means, Tensor Covariances) EstimateGaussianParameters(MixtureStatistics statistics, double regularization)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        using var scope = NewDisposeScope();
        var type = statistics.Covariance;
        var counts = statistics.ResponsibilitySums;              // K, Σ r
        var nk = counts + CountEpsilon;                          // K
        var s1 = statistics.FirstMoments;                        // K x D, Σ r (x − ref)
        var d = s1 / nk.unsqueeze(1);                            // mean − ref
        var means = statistics.Reference is null ? d : statistics.Reference + d;
        int dims = (int)s1.shape[1];
        Tensor cov;
        switch (type)
        {
            case CovarianceType.Full:
            {
                // Σ r (x−μ)(x−μ)ᵀ = S2 − d S1ᵀ − S1 dᵀ + (Σ r) d dᵀ, with S2 centred on the reference points.
                var s2 = statistics.SecondMoments;
                var ds1 = d.unsqueeze(2) * s1.unsqueeze(1);
                cov = s2 - ds1 - ds1.transpose(1, 2) + counts.view(-1, 1, 1) * (d.unsqueeze(2) * d.unsqueeze(1));
                cov = cov / nk.view(-1, 1, 1) + regularization * eye(dims, dtype: ScalarType.Float64, device: cov.device);
                break;
            }
            case CovarianceType.Tied:
            {
                var s2 = statistics.SecondMoments;               // D x D, Σ_i (Σ_k r_ik) x xᵀ
                var between = (means * nk.unsqueeze(1)).t().matmul(means);
                cov = (s2 - between) / nk.sum() + regularization * eye(dims, dtype: ScalarType.Float64, device: s2.device);
                break;
            }
            case CovarianceType.Diagonal:
            {
                var s2 = statistics.SecondMoments;               // K x D, Σ r x²
                cov = (s2 - 2 * d * s1 + counts.unsqueeze(1) * d.square()) / nk.unsqueeze(1) + regularization;
                break;
            }
            default:
            {
                var s2 = statistics.SecondMoments;               // K, Σ r ‖x‖²
                var diagSum = s2 - 2 * (d * s1).sum(1) + counts * d.square().sum(1);
                cov = diagSum / (nk * dims) + regularization;
                break;
            }
        }
        return (nk.MoveToOuterDisposeScope(), means.MoveToOuterDisposeScope(), cov.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Precision Cholesky factors from covariances (scikit-learn's <c>_compute_precision_cholesky</c>): Full/Tied
    /// P = L⁻ᵀ with Σ = L Lᵀ; Diagonal/Spherical P = 1/√σ². A covariance that is not positive definite raises
    /// <see cref="ClusteringNumericsException"/> naming the fixes.
    /// </summary>
    /// <param name="type">Covariance type.</param>
    /// <param name="covariances">Double-precision covariances.</param>
    /// <param name="regularization">The regularisation in use, quoted in the error message.</param>
    public static Tensor ComputePrecisionCholesky(CovarianceType type, Tensor covariances, double regularization = double.NaN)
    {
        ArgumentNullException.ThrowIfNull(covariances);
        using var scope = NewDisposeScope();
        if (!isfinite(covariances).all().item<bool>())
            throw SingularCovariance(type, "non-finite covariance entries", regularization);
        if (type is CovarianceType.Full or CovarianceType.Tied)
        {
            var (l, info) = linalg.cholesky_ex(covariances);
            var bad = info.reshape(-1).cpu().data<int>().ToArray();
            if (bad.Any(v => v != 0))
            {
                var which = type == CovarianceType.Tied ? "the shared covariance"
                    : "component(s) " + string.Join(", ", bad.Select((v, k) => (v, k)).Where(p => p.v != 0).Select(p => p.k).Take(10));
                throw SingularCovariance(type, which, regularization);
            }
            int dims = (int)covariances.shape[^1];
            var identity = eye(dims, dtype: covariances.dtype, device: covariances.device);
            if (type == CovarianceType.Full) identity = identity.expand(covariances.shape[0], dims, dims);
            var p = linalg.solve_triangular(l, identity, upper: false).transpose(-2, -1).contiguous();
            return p.MoveToOuterDisposeScope();
        }
        var nonPositive = covariances.reshape(-1).le(0);
        if (nonPositive.any().item<bool>())
        {
            var idx = nonPositive.nonzero().reshape(-1).cpu().data<long>().ToArray();
            long per = type == CovarianceType.Diagonal ? covariances.shape[1] : 1;
            throw SingularCovariance(type, "component(s) " + string.Join(", ", idx.Select(i => i / per).Distinct().Take(10)), regularization);
        }
        return covariances.rsqrt().MoveToOuterDisposeScope();
    }

    /// <summary>The exception raised for a covariance that cannot be factorised, with the fixes in its message.</summary>
    public static ClusteringNumericsException SingularCovariance(CovarianceType type, string where, double regularization) =>
        new($"Fitting the Gaussian mixture ({type} covariance) failed: {where} have an ill-defined (singular) covariance, " +
            "typically from collapsed or duplicated samples or a component with too few points. Fixes: raise " +
            $"CovarianceRegularization{(double.IsNaN(regularization) ? "" : $" (now {regularization:G3})")}, use fewer Components, " +
            "scale the data (standardise each feature), or use Precision = Float64.");

    /// <summary>log det P per component (scikit-learn's <c>_compute_log_det_cholesky</c>): Full K, Tied scalar, Diagonal K, Spherical K.</summary>
    public static Tensor ComputeLogDetCholesky(CovarianceType type, Tensor precisionsCholesky, int features)
    {
        ArgumentNullException.ThrowIfNull(precisionsCholesky);
        using var scope = NewDisposeScope();
        var r = type switch
        {
            CovarianceType.Full or CovarianceType.Tied => precisionsCholesky.diagonal(0, -2, -1).log().sum(-1),
            CovarianceType.Diagonal => precisionsCholesky.log().sum(1),
            _ => precisionsCholesky.log() * features,
        };
        return r.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Direct evaluation of log N(x | μ_k, Σ_k) for every row and component (n x K), in <paramref name="x"/>'s dtype,
    /// following scikit-learn's <c>_estimate_log_gaussian_prob</c>. It forms n x K x D temporaries; the EM engine
    /// uses the faster <see cref="GaussianLogDensity"/>, and this is its reference.
    /// </summary>
    public static Tensor EstimateLogGaussianProb(CovarianceType type, Tensor x, Tensor means, Tensor precisionsCholesky)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(precisionsCholesky);
        using var scope = NewDisposeScope();
        int d = (int)x.shape[1];
        var mu = means.to(x.dtype, x.device);
        var pc = precisionsCholesky.to(x.dtype, x.device);
        var logDet = ComputeLogDetCholesky(type, precisionsCholesky, d).to(x.dtype, x.device);
        var diff = x.unsqueeze(1) - mu.unsqueeze(0);            // n x K x D
        Tensor quad = type switch
        {
            CovarianceType.Full => einsum("nkd,kde->nke", diff, pc).square().sum(2),
            CovarianceType.Tied => diff.matmul(pc).square().sum(2),
            CovarianceType.Diagonal => (diff.square() * pc.square().unsqueeze(0)).sum(2),
            _ => diff.square().sum(2) * pc.square().unsqueeze(0),
        };
        return (-0.5 * (d * Log2Pi + quad) + logDet).MoveToOuterDisposeScope();
    }

    /// <summary>Precision Cholesky factors of user-given precision matrices (scikit-learn: lower Cholesky of Λ, or √λ).</summary>
    public static Tensor PrecisionCholeskyFromPrecisions(CovarianceType type, Tensor precisions)
    {
        ArgumentNullException.ThrowIfNull(precisions);
        using var scope = NewDisposeScope();
        if (type is CovarianceType.Full or CovarianceType.Tied)
        {
            var sym = (precisions - precisions.transpose(-2, -1)).abs().max().item<double>();
            var scale = precisions.abs().max().item<double>();
            if (sym > 1e-8 + 1e-5 * scale)
                throw new ArgumentOutOfRangeException("InitialPrecisions", "InitialPrecisions must be symmetric positive-definite matrices; they are not symmetric.");
            var (l, info) = linalg.cholesky_ex(precisions);
            if (info.ne(0).any().item<bool>())
                throw new ArgumentOutOfRangeException("InitialPrecisions", "InitialPrecisions must be symmetric positive-definite matrices; a Cholesky factorisation failed.");
            return l.MoveToOuterDisposeScope();
        }
        return precisions.sqrt().MoveToOuterDisposeScope();
    }

    /// <summary>Precisions P Pᵀ (Full, Tied) or P² (Diagonal, Spherical) from Cholesky factors.</summary>
    public static Tensor PrecisionsFromCholesky(CovarianceType type, Tensor precisionsCholesky)
    {
        ArgumentNullException.ThrowIfNull(precisionsCholesky);
        return type is CovarianceType.Full or CovarianceType.Tied
            ? precisionsCholesky.matmul(precisionsCholesky.transpose(-2, -1))
            : precisionsCholesky.square();
    }

    /// <summary>Covariances (P Pᵀ)⁻¹ (Full, Tied) or 1/P² (Diagonal, Spherical) from precision Cholesky factors.</summary>
    public static Tensor CovariancesFromCholesky(CovarianceType type, Tensor precisionsCholesky)
    {
        ArgumentNullException.ThrowIfNull(precisionsCholesky);
        using var scope = NewDisposeScope();
        if (type is CovarianceType.Full or CovarianceType.Tied)
        {
            // Σ = (P Pᵀ)⁻¹ = P⁻ᵀ P⁻¹; P is triangular (upper from fits, lower from user precisions), so invert it generally.
            var inv = linalg.inv(precisionsCholesky);
            return inv.transpose(-2, -1).matmul(inv).MoveToOuterDisposeScope();
        }
        return precisionsCholesky.square().reciprocal().MoveToOuterDisposeScope();
    }

    /// <summary>Number of free parameters (scikit-learn's <c>_n_parameters</c>): covariances + means + K − 1 weights.</summary>
    public static long ParameterCount(CovarianceType type, int components, int features)
    {
        long k = components, d = features;
        long cov = type switch
        {
            CovarianceType.Full => k * d * (d + 1) / 2,
            CovarianceType.Diagonal => k * d,
            CovarianceType.Tied => d * (d + 1) / 2,
            _ => k,
        };
        return cov + k * d + k - 1;
    }

    /// <summary>Shape of the covariance (and precision Cholesky) tensor: Full K x D x D, Tied D x D, Diagonal K x D, Spherical K.</summary>
    internal static long[] CovarianceShape(CovarianceType type, int components, int features)
    {
        long k = components, d = features;
        return type switch
        {
            CovarianceType.Full => new[] { k, d, d },
            CovarianceType.Tied => new[] { d, d },
            CovarianceType.Diagonal => new[] { k, d },
            _ => new[] { k },
        };
    }

    /// <summary>Rejects precision Cholesky factors read from a model file whose diagonal is not positive; <paramref name="prefix"/> starts the message.</summary>
    internal static void CheckCholeskyDiagonal(CovarianceType type, Tensor precisionsCholesky, string prefix)
    {
        using var scope = NewDisposeScope();
        var diag = type is CovarianceType.Full or CovarianceType.Tied ? precisionsCholesky.diagonal(0, -2, -1) : precisionsCholesky;
        if (diag.le(0).any().item<bool>())
            throw new ModelFormatException($"{prefix} precision Cholesky factors must have a positive diagonal.");
    }

    /// <summary>Row count of a chunk that keeps its temporaries near <paramref name="budgetBytes"/> (between 256 and 65,536 rows).</summary>
    /// <param name="type">Covariance type.</param>
    /// <param name="components">K.</param>
    /// <param name="features">D.</param>
    /// <param name="elementBytes">Bytes per element of the working dtype.</param>
    /// <param name="budgetBytes">Memory the chunk's temporaries may take.</param>
    /// <param name="onHost">Whether the chunk is evaluated on CPU, where full and tied components use
    /// <see cref="FullCovarianceKernel"/> and need no n x K·D residuals.</param>
    public static int DefaultChunkRows(CovarianceType type, int components, int features, int elementBytes, long budgetBytes = 16L << 20,
        bool onHost = false)
    {
        bool residuals = type is CovarianceType.Full or CovarianceType.Tied && !(onHost && FullCovarianceKernel.Supports(features));
        long perRow = residuals
            ? (long)components * features * 2 + features + 2L * components
            : 2L * features + 4L * components;
        long rows = budgetBytes / Math.Max(1, perRow * elementBytes);
        return (int)Math.Clamp(rows, 256, 65536);
    }
}
