using MathNet.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// The variational mathematics of the truncated stick-breaking Dirichlet-process Gaussian mixture (Blei and
/// Jordan 2006; Bishop §10.2), following scikit-learn's <c>BayesianGaussianMixture</c> with
/// <c>weight_concentration_prior_type="dirichlet_process"</c> formula for formula. The component Gaussians reuse
/// <see cref="GaussianMath"/> (sufficient statistics M-step, precision Cholesky factors, log-densities); the
/// T-sized stick-breaking and Wishart terms (digamma, log-gamma) are computed here in managed double precision.
/// </summary>
public static class BayesianMixtureMath
{
    private static readonly double Log2 = Math.Log(2.0);

    /// <summary>
    /// Posterior Beta(a_k, b_k) of the sticks from component counts N_k: a_k = 1 + N_k,
    /// b_k = α₀ + Σ_{j&gt;k} N_j (summed from the last component, as scikit-learn).
    /// </summary>
    public static (double[] A, double[] B) StickPosterior(IReadOnlyList<double> counts, double concentration)
    {
        ArgumentNullException.ThrowIfNull(counts);
        int k = counts.Count;
        var a = new double[k];
        var b = new double[k];
        double tail = 0;
        for (int i = k - 1; i >= 0; i--)
        {
            a[i] = 1.0 + counts[i];
            b[i] = concentration + tail;
            tail += counts[i];
        }
        return (a, b);
    }

    /// <summary>E[log π_k] = ψ(a_k) − ψ(a_k + b_k) + Σ_{j&lt;k} (ψ(b_j) − ψ(a_j + b_j)).</summary>
    public static double[] ExpectedLogWeights(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var r = new double[a.Count];
        double prefix = 0;
        for (int k = 0; k < a.Count; k++)
        {
            double s = SpecialFunctions.DiGamma(a[k] + b[k]);
            r[k] = SpecialFunctions.DiGamma(a[k]) - s + prefix;
            prefix += SpecialFunctions.DiGamma(b[k]) - s;
        }
        return r;
    }

    /// <summary>
    /// Expected weights E[π_k] = a_k/(a_k+b_k) Π_{j&lt;k} b_j/(a_j+b_j), renormalised to sum to 1 (the truncation
    /// leaves a little mass after the last stick; scikit-learn renormalises the same way).
    /// </summary>
    public static double[] ExpectedWeights(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var w = new double[a.Count];
        double remaining = 1, sum = 0;
        for (int k = 0; k < a.Count; k++)
        {
            double total = a[k] + b[k];
            w[k] = a[k] / total * remaining;
            remaining *= b[k] / total;
            sum += w[k];
        }
        for (int k = 0; k < w.Length; k++) w[k] /= sum;
        return w;
    }

    /// <summary>
    /// Per-component term added to the Gaussian log-density (with the posterior means and expected precisions) in
    /// the E-step: −½ D log ν_k + ½ (E[log |Λ_k|]' − D/κ_k), where E[log |Λ_k|]' = D log 2 + Σ_{d&lt;D} ψ((ν_k − d)/2).
    /// </summary>
    public static double[] LogProbabilityOffsets(IReadOnlyList<double> degreesOfFreedom, IReadOnlyList<double> meanPrecision, int features)
    {
        ArgumentNullException.ThrowIfNull(degreesOfFreedom);
        ArgumentNullException.ThrowIfNull(meanPrecision);
        var r = new double[meanPrecision.Count];
        for (int k = 0; k < r.Length; k++)
        {
            double nu = degreesOfFreedom[k];
            double logLambda = features * Log2;
            for (int d = 0; d < features; d++) logLambda += SpecialFunctions.DiGamma(0.5 * (nu - d));
            r[k] = -0.5 * features * Math.Log(nu) + 0.5 * (logLambda - features / meanPrecision[k]);
        }
        return r;
    }

    /// <summary>log of the Wishart normaliser −(ν ℓ + ν D ½ log 2 + Σ_{d&lt;D} log Γ((ν − d)/2)) for a log-det-Cholesky ℓ.</summary>
    public static double LogWishartNorm(double degreesOfFreedom, double logDetCholesky, int features)
    {
        double g = 0;
        for (int d = 0; d < features; d++) g += SpecialFunctions.GammaLn(0.5 * (degreesOfFreedom - d));
        return -(degreesOfFreedom * logDetCholesky + degreesOfFreedom * features * 0.5 * Log2 + g);
    }

    /// <summary>log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b).</summary>
    public static double LogBeta(double a, double b) => SpecialFunctions.GammaLn(a) + SpecialFunctions.GammaLn(b) - SpecialFunctions.GammaLn(a + b);

    /// <summary>
    /// Variational M-step from sufficient statistics (scikit-learn's <c>_m_step</c> of BayesianGaussianMixture):
    /// Gaussian statistics N_k, x̄_k, S_k (with <paramref name="regularization"/> on the diagonal), then the stick
    /// posteriors, κ_k = κ₀ + N_k, m_k = (κ₀ m₀ + N_k x̄_k)/κ_k, and the Wishart degrees of freedom and scale
    /// (stored as the expected covariance W_k⁻¹/ν_k and its precision Cholesky factor).
    /// </summary>
    /// <param name="statistics">Statistics of one E-step (or of the initial responsibilities).</param>
    /// <param name="priors">Resolved priors.</param>
    /// <param name="regularization">Added to covariance diagonals (sklearn <c>reg_covar</c>).</param>
    /// <param name="dtype">Working dtype of the density kernel.</param>
    /// <param name="dataWeight">
    /// ζ in (0, 1]: the weight of every row in the posterior (a coarsened posterior, Miller and Dunson 2019): counts enter
    /// the updates as ζ·N_k, so the priors keep their say when N is large. 1 (default) is the exact variational update.
    /// </param>
    public static BayesianMixtureParameters MStep(MixtureStatistics statistics, BayesianMixturePriors priors, double regularization, ScalarType dtype,
        double dataWeight = 1.0)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(priors);
        using var scope = NewDisposeScope();
        var type = statistics.Covariance;
        int k = statistics.Components, d = statistics.Features;
        var (nkT, xk, sk) = GaussianMath.EstimateGaussianParameters(statistics, regularization);
        if (dataWeight != 1.0) nkT = nkT * dataWeight;
        var device = xk.device;
        var nk = nkT.cpu().data<double>().ToArray();
        var (a, b) = StickPosterior(nk, priors.WeightConcentration);
        double mpp = priors.MeanPrecision;
        var meanPrecision = nk.Select(n => mpp + n).ToArray();
        var lam = tensor(meanPrecision, dtype: ScalarType.Float64, device: device);
        var m0 = priors.MeanTensor(device);
        var cov0 = priors.CovarianceTensor(device);
        var means = (mpp * m0.unsqueeze(0) + nkT.unsqueeze(1) * xk) / lam.unsqueeze(1);
        var diff = xk - m0.unsqueeze(0);                                               // K x D
        double[] dof;
        Tensor cov;
        switch (type)
        {
            case CovarianceType.Full:
            {
                dof = nk.Select(n => priors.DegreesOfFreedom + n).ToArray();
                var scale = (nkT * mpp / lam).view(-1, 1, 1);
                cov = cov0.unsqueeze(0) + nkT.view(-1, 1, 1) * sk + scale * (diff.unsqueeze(2) * diff.unsqueeze(1));
                cov = cov / tensor(dof, dtype: ScalarType.Float64, device: device).view(-1, 1, 1);
                break;
            }
            case CovarianceType.Tied:
            {
                // One shared Wishart: ν = ν₀ + ΣN/K (a scalar, as scikit-learn).
                double nu = priors.DegreesOfFreedom + nkT.sum().item<double>() / k;
                dof = Enumerable.Repeat(nu, k).ToArray();
                var weighted = ((nkT / lam).unsqueeze(1) * diff).t();                   // D x K
                cov = (cov0 + sk * (nkT.sum() / k) + mpp / k * weighted.matmul(diff)) / nu;
                break;
            }
            case CovarianceType.Diagonal:
            {
                dof = nk.Select(n => priors.DegreesOfFreedom + n).ToArray();
                cov = cov0.unsqueeze(0) + nkT.unsqueeze(1) * (sk + (mpp / lam).unsqueeze(1) * diff.square());
                cov = cov / tensor(dof, dtype: ScalarType.Float64, device: device).unsqueeze(1);
                break;
            }
            default:
            {
                dof = nk.Select(n => priors.DegreesOfFreedom + n).ToArray();
                cov = cov0 + nkT * (sk + mpp / lam * diff.square().mean(new long[] { 1 }));
                cov = cov / tensor(dof, dtype: ScalarType.Float64, device: device);
                break;
            }
        }
        var pc = GaussianMath.ComputePrecisionCholesky(type, cov, regularization);
        return new BayesianMixtureParameters(priors, a, b, meanPrecision, dof, means, cov, pc, dtype);
    }

    /// <summary>
    /// The variational lower bound up to a constant (scikit-learn's <c>_compute_lower_bound</c>): −Σ r log r minus the
    /// log Wishart normalisers, plus Σ log B(a_k, b_k), minus ½ D Σ log κ_k. It is a total over the rows, not a mean.
    /// </summary>
    /// <param name="parameters">Parameters after the M-step.</param>
    /// <param name="sumResponsibilityLogResponsibility">Σ_ik r_ik log r_ik of the E-step that preceded the M-step.</param>
    /// <param name="dataWeight">The row weight ζ of the M-step; the responsibilities' entropy is weighted by it too.</param>
    public static double LowerBound(BayesianMixtureParameters parameters, double sumResponsibilityLogResponsibility, double dataWeight = 1.0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int d = parameters.Features, k = parameters.Components;
        using var ldcT = GaussianMath.ComputeLogDetCholesky(parameters.Covariance, parameters.PrecisionsCholesky, d);
        var ldc = TensorArrays.ToDouble1D(ldcT.reshape(-1));
        var dof = parameters.DegreesOfFreedom;
        double logWishart;
        if (parameters.Covariance == CovarianceType.Tied)
            logWishart = k * LogWishartNorm(dof[0], ldc[0] - 0.5 * d * Math.Log(dof[0]), d);
        else
        {
            logWishart = 0;
            for (int i = 0; i < k; i++) logWishart += LogWishartNorm(dof[i], ldc[i] - 0.5 * d * Math.Log(dof[i]), d);
        }
        double logNormWeight = 0;
        for (int i = 0; i < k; i++) logNormWeight -= LogBeta(parameters.ConcentrationA[i], parameters.ConcentrationB[i]);
        double logMeanPrecision = parameters.MeanPrecision.Sum(Math.Log);
        return -dataWeight * sumResponsibilityLogResponsibility - logWishart - logNormWeight - 0.5 * d * logMeanPrecision;
    }
}
