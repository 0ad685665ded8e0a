using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>Which normalised geometric mixture M the skewed α-Jensen–Shannon divergence compares P and Q with.</summary>
public enum JensenShannonSkew
{
    /// <summary>M ∝ P^α Q^(1−α) (Deasy et al.'s skew geometric JS). The default; both agree at α = 0.5.</summary>
    Deasy,
    /// <summary>M ∝ P^(1−α) Q^α (Nielsen's ordering).</summary>
    Nielsen,
}

/// <summary>
/// Closed-form skewed geometric α-Jensen–Shannon divergence between Gaussians with diagonal covariances, the
/// clustering loss of <see cref="DeepDirichletProcessMixture"/>:
/// JS_α(P‖Q) = (1 − α) KL(P‖M) + α KL(Q‖M), with M the normalised geometric mixture of P and Q (itself Gaussian).
/// It is symmetric at α = 0.5, zero only when P = Q, and finite whatever the overlap.
/// </summary>
public static class DeepDirichletProcessDivergence
{
    /// <summary>
    /// JS_α between N(<paramref name="meanP"/>, diag <paramref name="varianceP"/>) and N(<paramref name="meanQ"/>,
    /// diag <paramref name="varianceQ"/>), summed over the last dimension. Inputs broadcast against each other (for
    /// example B x 1 x d codes against 1 x T x d components give B x T); variances must be positive. Differentiable.
    /// </summary>
    /// <param name="meanP">Mean of P.</param>
    /// <param name="varianceP">Per-dimension variance of P.</param>
    /// <param name="meanQ">Mean of Q.</param>
    /// <param name="varianceQ">Per-dimension variance of Q.</param>
    /// <param name="alpha">Skew α in (0, 1).</param>
    /// <param name="skew">Which geometric mixture to use.</param>
    public static Tensor AlphaJensenShannon(Tensor meanP, Tensor varianceP, Tensor meanQ, Tensor varianceQ, double alpha,
        JensenShannonSkew skew = JensenShannonSkew.Deasy)
    {
        ArgumentNullException.ThrowIfNull(meanP);
        ArgumentNullException.ThrowIfNull(varianceP);
        ArgumentNullException.ThrowIfNull(meanQ);
        ArgumentNullException.ThrowIfNull(varianceQ);
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must lie in (0, 1).");
        using var scope = NewDisposeScope();
        double beta = skew == JensenShannonSkew.Deasy ? alpha : 1 - alpha;      // exponent of P in M
        var precisionP = varianceP.reciprocal();
        var precisionQ = varianceQ.reciprocal();
        var precisionM = beta * precisionP + (1 - beta) * precisionQ;
        var varianceM = precisionM.reciprocal();
        var meanM = varianceM * (beta * meanP * precisionP + (1 - beta) * meanQ * precisionQ);
        // (1−α)·KL(P‖M) + α·KL(Q‖M) for Gaussians, per dimension.
        var spread = ((1 - alpha) * varianceP + alpha * varianceQ) * precisionM;
        var shift = ((1 - alpha) * (meanM - meanP).square() + alpha * (meanM - meanQ).square()) * precisionM;
        var logs = varianceM.log() - (1 - alpha) * varianceP.log() - alpha * varianceQ.log();
        var js = 0.5 * (spread + shift + logs - 1).sum(-1);
        return js.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// JS_α between every code's Gaussian N(z_i, <paramref name="codeCovariance"/>) and every component
    /// N(μ_t, Σ_t) with full covariances (B x T), differentiable in <paramref name="codes"/>. The geometric mixture of
    /// two Gaussians is Gaussian with precision Λ_M = β Λ_P + (1 − β) Λ_Q (β = α for <see cref="JensenShannonSkew.Deasy"/>);
    /// because the codes share one covariance, Λ_M depends on the component only, so the cost is T small inverses plus
    /// B x T x d products.
    /// </summary>
    /// <param name="codes">Code means (B x d).</param>
    /// <param name="codeCovariance">Covariance shared by the codes' Gaussians (d x d, positive definite).</param>
    /// <param name="means">Component means (T x d).</param>
    /// <param name="covariances">Component covariances (T x d x d, positive definite).</param>
    /// <param name="alpha">Skew α in (0, 1).</param>
    /// <param name="skew">Which geometric mixture to use.</param>
    public static Tensor AlphaJensenShannonFullCovariance(Tensor codes, Tensor codeCovariance, Tensor means, Tensor covariances, double alpha,
        JensenShannonSkew skew = JensenShannonSkew.Deasy)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(codeCovariance);
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(covariances);
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must lie in (0, 1).");
        using var scope = NewDisposeScope();
        double beta = skew == JensenShannonSkew.Deasy ? alpha : 1 - alpha;
        long d = codes.shape[1];
        var precisionP = linalg.inv(codeCovariance);                                     // d x d
        var precisionQ = linalg.inv(covariances);                                        // T x d x d
        var precisionM = beta * precisionP.unsqueeze(0) + (1 - beta) * precisionQ;       // T x d x d
        var covarianceM = linalg.inv(precisionM);
        var a = covarianceM.matmul(beta * precisionP);                                   // T x d x d: μ_M = A z + c
        var c = covarianceM.matmul((1 - beta) * precisionQ.matmul(means.unsqueeze(2))).squeeze(2);   // T x d
        var meanM = einsum("tde,be->btd", a, codes) + c.unsqueeze(0);                   // B x T x d
        var u = meanM - codes.unsqueeze(1);
        var v = meanM - means.unsqueeze(0);
        var qu = einsum("btd,tde,bte->bt", u, precisionM, u);
        var qv = einsum("btd,tde,bte->bt", v, precisionM, v);
        var trP = (precisionM * codeCovariance.unsqueeze(0)).sum(new long[] { 1, 2 });  // tr(Λ_M Σ_P), Σ_P symmetric
        var trQ = (precisionM * covariances).sum(new long[] { 1, 2 });
        var constant = (1 - alpha) * trP + alpha * trQ - d + linalg.slogdet(covarianceM).Item2
            - (1 - alpha) * linalg.slogdet(codeCovariance).Item2 - alpha * linalg.slogdet(covariances).Item2;
        var js = 0.5 * (constant.unsqueeze(0) + (1 - alpha) * qu + alpha * qv);
        return js.MoveToOuterDisposeScope();
    }
}
