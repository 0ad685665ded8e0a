using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// The closed-form steps of soft (entropy-regularised) k-means, shared by <see cref="SoftKMeans"/> and the deep
/// SR-K-means model. The energy is <c>F(Q, θ) = Σ_ik q_ik ‖z_i − θ_k‖² + T Σ_ik q_ik log q_ik</c>; for fixed θ it
/// is minimised by the Q-step <c>q_ik = softmax_k(−‖z_i − θ_k‖² / T)</c>, for fixed Q by the θ-step (soft means)
/// <c>θ_k = Σ_i q_ik z_i / Σ_i q_ik</c>, so alternating the two never increases F.
/// </summary>
internal static class SoftKMeansMath
{
    /// <summary>
    /// A cluster whose soft count Σ_i q_ik is below this many rows counts as empty: its soft mean would be 0/0 (or
    /// built from denormal weights), so it is re-seeded instead.
    /// </summary>
    public const double EmptyClusterMass = 1e-6;

    /// <summary>Squared distances ‖z_i − θ_k‖² (n x K, clamped at 0) for rows and centres of the same dtype.</summary>
    public static Tensor SquaredDistances(Tensor z, Tensor centres)
    {
        using var scope = NewDisposeScope();
        var zz = z.square().sum(dim: 1, keepdim: true);
        var cc = centres.square().sum(dim: 1).unsqueeze(0);
        return (zz + cc).addmm_(z, centres.t(), beta: 1, alpha: -2).clamp_min_(0).MoveToOuterDisposeScope();
    }

    /// <summary>The Q-step: softmax_k(−‖z_i − θ_k‖² / T), n x K.</summary>
    public static Tensor Assign(Tensor z, Tensor centres, double temperature)
    {
        using var scope = NewDisposeScope();
        return SquaredDistances(z, centres).div_(-temperature).softmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The θ-step on all rows at once: soft means (K x d, dtype of <paramref name="z"/>) and soft counts (K,
    /// float64). Clusters with a soft count below <see cref="EmptyClusterMass"/> are re-seeded at the rows
    /// farthest from their nearest current centre (<paramref name="current"/>; without it, at the rows farthest
    /// from the data mean), one distinct row per empty cluster. Returns how many were re-seeded.
    /// </summary>
    public static (Tensor Centres, Tensor Counts, int Reseeded) SoftMeans(Tensor q, Tensor z, Tensor? current)
    {
        using var scope = NewDisposeScope();
        var f64 = ScalarType.Float64;
        var counts = q.sum(dim: 0, type: f64);
        var sums = q.t().matmul(z).to(f64);
        var centres = sums / counts.clamp_min(EmptyClusterMass).unsqueeze(1);
        var empty = counts.lt(EmptyClusterMass);
        int reseeded = 0;
        if (empty.any().item<bool>())
        {
            var emptyIndices = empty.nonzero().squeeze(1).cpu().data<long>().ToArray();
            reseeded = emptyIndices.Length;
            var reference = current ?? z.mean(new long[] { 0 }, keepdim: true);
            var far = SquaredDistances(z, reference.to(z.dtype)).amin(new long[] { 1 });
            var rows = far.topk(Math.Min(reseeded, (int)z.shape[0])).indexes.cpu().data<long>().ToArray();
            for (int e = 0; e < reseeded; e++) centres[emptyIndices[e]].copy_(z[rows[e % rows.Length]].to(f64));
        }
        return (centres.to(z.dtype).MoveToOuterDisposeScope(), counts.MoveToOuterDisposeScope(), reseeded);
    }

    /// <summary>
    /// The energy F(Q, θ) = Σ_ik q_ik ‖z_i − θ_k‖² + T Σ_ik q_ik log q_ik (float64 scalar) on all rows at once.
    /// </summary>
    public static double Energy(Tensor q, Tensor z, Tensor centres, double temperature)
    {
        using var scope = NewDisposeScope();
        var f64 = ScalarType.Float64;
        var distortion = (q.to(f64) * SquaredDistances(z, centres).to(f64)).sum();
        var entropy = q.to(f64).xlogy(q.to(f64)).sum();
        return (distortion + temperature * entropy).item<double>();
    }
}
