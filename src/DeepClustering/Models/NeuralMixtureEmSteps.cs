using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// The objectives of <see cref="NeuralMixtureEm"/> as pure tensor functions, named after their role. One training
/// batch runs, in order: the forward pass on the clean rows and the <see cref="EStep"/> (responsibilities, no
/// gradients); the forward pass on the augmented views; the <see cref="MStepLoss"/> on those responsibilities plus
/// the <see cref="ConsistencyLoss"/> between the views and the <see cref="BalanceLoss"/>, whose backward pass and
/// optimiser step are the (generalised, one gradient step) M-step of the network weights; and the closed-form
/// <see cref="UpdateMixing"/> M-step of π.
/// </summary>
public static class NeuralMixtureEmSteps
{
    /// <summary>
    /// E-step: responsibilities <c>γ_ik = π_k f_k(x_i) / Σ_j π_j f_j(x_i)</c> (B x K), computed without gradients,
    /// so that the M-step treats them as constants.
    /// </summary>
    /// <param name="logDensities">log f (B x K) from <see cref="NeuralMixtureEmHead.LogDensities"/>.</param>
    /// <param name="logMixing">log π (K).</param>
    /// <param name="temperature">
    /// Tempering T of the E-step, <c>γ ∝ (π_k f_k)^(1/T)</c>: 1 is the exact posterior; below 1 sharpens it (0.5 squares
    /// and renormalises it, as DEC's target distribution does), which breaks the tie between flat and clustered
    /// densities that the likelihood alone cannot (see <see cref="NeuralMixtureEmOptions.EStepTemperature"/>).
    /// </param>
    public static Tensor EStep(Tensor logDensities, Tensor logMixing, double temperature = 1)
    {
        ArgumentNullException.ThrowIfNull(logDensities);
        ArgumentNullException.ThrowIfNull(logMixing);
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the E-step temperature must be positive.");
        using var noGrad = no_grad();
        var logits = logDensities.detach() + logMixing;
        return (temperature == 1 ? logits : logits.div_(temperature)).softmax(1);
    }

    /// <summary>
    /// M-step loss: the negated expected complete-data log-likelihood per row,
    /// <c>−(1/B) Σ_i Σ_k γ_ik (log π_k + log f_k(x_i))</c>. Gradients flow into the densities only (γ and π are
    /// constants here); log π shifts the value, not the gradient, so the term reads as −Q/B.
    /// </summary>
    /// <param name="logDensities">log f (B x K) with gradients, of the rows (or views of the rows) being fitted.</param>
    /// <param name="responsibilities">γ (B x K) from <see cref="EStep"/>.</param>
    /// <param name="logMixing">log π (K).</param>
    public static Tensor MStepLoss(Tensor logDensities, Tensor responsibilities, Tensor logMixing)
    {
        ArgumentNullException.ThrowIfNull(logDensities);
        ArgumentNullException.ThrowIfNull(responsibilities);
        ArgumentNullException.ThrowIfNull(logMixing);
        return (responsibilities.detach() * (logDensities + logMixing.detach())).sum(1).mean().neg();
    }

    /// <summary>
    /// The closed-form batch M-step of the mixing weights, in place on log π: <c>π ← (1 − ρ)·π + ρ·mean_i γ_i</c>,
    /// each weight then floored at <c>floor / K</c> and the vector renormalised (a running average over batches, the
    /// online-EM form of <c>π_k = mean_i γ_ik</c>).
    /// </summary>
    /// <param name="logMixing">log π (K), updated in place.</param>
    /// <param name="responsibilities">γ (B x K) from <see cref="EStep"/>.</param>
    /// <param name="rate">ρ in (0, 1].</param>
    /// <param name="floor">Smallest weight as a fraction of the uniform weight 1/K, in [0, 1].</param>
    public static void UpdateMixing(Tensor logMixing, Tensor responsibilities, double rate, double floor)
    {
        ArgumentNullException.ThrowIfNull(logMixing);
        ArgumentNullException.ThrowIfNull(responsibilities);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long k = logMixing.shape[0];
        var pi = logMixing.exp().mul_(1 - rate).add_(responsibilities.detach().mean(new long[] { 0 }), alpha: rate);
        pi = pi.clamp_min_(floor / k);
        pi.div_(pi.sum());
        logMixing.copy_(pi.log_());
    }

    /// <summary>Per-row mixture log-likelihood <c>log Σ_k π_k f_k(x)</c> (B), the objective EM increases.</summary>
    public static Tensor LogLikelihood(Tensor logDensities, Tensor logMixing)
    {
        ArgumentNullException.ThrowIfNull(logDensities);
        ArgumentNullException.ThrowIfNull(logMixing);
        return (logDensities + logMixing).logsumexp(1);
    }

    /// <summary>
    /// Consistency between two augmented views of the same rows: <c>−(1/B) Σ_i log Σ_k p_a(k | x_i) p_b(k | x_i)</c>,
    /// the negated log-probability that both views fall into the same cluster. It is zero only when both posteriors
    /// are one-hot on the same cluster, so it asks for agreement and for confidence; gradients flow into both views.
    /// </summary>
    /// <param name="logPosteriorA">log p (B x K) of the first views.</param>
    /// <param name="logPosteriorB">log p (B x K) of the second views.</param>
    public static Tensor ConsistencyLoss(Tensor logPosteriorA, Tensor logPosteriorB)
    {
        ArgumentNullException.ThrowIfNull(logPosteriorA);
        ArgumentNullException.ThrowIfNull(logPosteriorB);
        return (logPosteriorA + logPosteriorB).logsumexp(1).mean().neg();
    }

    /// <summary>
    /// Batch balance: <c>KL(p̄ ‖ uniform) = log K − H(p̄)</c> with p̄ the mean posterior over the rows given, zero when
    /// the batch spreads evenly over the clusters and log K when every row goes to one cluster. Its gradient pushes
    /// mass from over-full to under-used clusters, which is what keeps all rows from collapsing into one cluster.
    /// </summary>
    /// <param name="posteriors">p (B x K), with gradients.</param>
    public static Tensor BalanceLoss(Tensor posteriors)
    {
        ArgumentNullException.ThrowIfNull(posteriors);
        long k = posteriors.shape[1];
        var mean = posteriors.mean(new long[] { 0 });
        return (mean * mean.clamp_min(1e-12).log()).sum().add(Math.Log(k));
    }
}
