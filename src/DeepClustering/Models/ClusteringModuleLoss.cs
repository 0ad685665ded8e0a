using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// The loss terms of the clustering module (Boubekki et al., arXiv 2012.03740), as small pure tensor functions
/// shared by <see cref="ClusteringModule"/> and <see cref="ClusteringModuleAutoencoder"/>. Notation: codes
/// <c>z</c> (B x d), assignments <c>γ</c> (B x K, rows on the simplex), centroids <c>U</c> (K x d, row k is μ_k).
/// Every term is a sum over the batch (the authors' TensorFlow form); callers divide for the normalised form.
/// The first three terms add up to the soft k-means distortion:
/// <c>E1 + E2 + E3 = Σ_i Σ_k γ_ik ‖z_i − μ_k‖²</c> (see <see cref="Distortion"/>).
/// </summary>
public static class ClusteringModuleLoss
{
    /// <summary>Floor added to the mean assignments before the logarithm of the Dirichlet term (authors' value).</summary>
    public const double LogFloor = 1e-10;

    /// <summary>The module's reconstruction of the codes, <c>ẑ = γ U</c> (B x d).</summary>
    public static Tensor Reconstruct(Tensor assignments, Tensor centroids) => assignments.matmul(centroids);

    /// <summary>E1 = Σ_i ‖z_i − Σ_k γ_ik μ_k‖², the module's reconstruction error of the codes.</summary>
    public static Tensor CodeReconstruction(Tensor codes, Tensor assignments, Tensor centroids) =>
        (codes - Reconstruct(assignments, centroids)).square().sum();

    /// <summary>
    /// E2 = Σ_k (Σ_i γ_ik (1 − γ_ik)) ‖μ_k‖²: zero only for one-hot assignments, so it pushes γ to hard
    /// assignments.
    /// </summary>
    public static Tensor Sparsity(Tensor assignments, Tensor centroids) =>
        (assignments * (1 - assignments)).sum(dim: 0).mul(centroids.square().sum(dim: 1)).sum();

    /// <summary>
    /// E2 of the deep variant: Σ_i Σ_k γ_ik (1 − γ_ik), without the centroid norms (the orthonormality penalty
    /// already fixes them to 1).
    /// </summary>
    public static Tensor UnweightedSparsity(Tensor assignments) => (assignments * (1 - assignments)).sum();

    /// <summary>
    /// E3 = −Σ_{k≠l} (Σ_i γ_ik γ_il) μ_kᵀ μ_l, the coupling of centroids through shared assignments (matrix form
    /// −sum(offdiag(ΓᵀΓ ⊙ UUᵀ))).
    /// </summary>
    public static Tensor Coupling(Tensor assignments, Tensor centroids)
    {
        var product = assignments.t().matmul(assignments).mul(centroids.matmul(centroids.t()));
        return product.diagonal().sum().sub(product.sum());
    }

    /// <summary>
    /// E4 = Σ_k (1 − α) log((1/B) Σ_i γ_ik + 1e-10): the negative log of a symmetric Dirichlet(α) prior on the
    /// batch's cluster proportions. For α &gt; 1 it is smallest for balanced clusters and keeps clusters from
    /// emptying; α = 1 switches it off.
    /// </summary>
    public static Tensor DirichletPrior(Tensor assignments, double concentration) =>
        assignments.mean(new long[] { 0 }).add(LogFloor).log().sum().mul(1 - concentration);

    /// <summary>
    /// Orthonormality penalty of the deep variant on the centroids: ‖UUᵀ − I‖²_F (squared, the authors' PyTorch
    /// code) or Σ|UUᵀ − I| (<paramref name="squared"/> false, their TensorFlow code). It replaces E3.
    /// </summary>
    public static Tensor Orthonormality(Tensor centroids, bool squared = true)
    {
        var gram = centroids.matmul(centroids.t());
        using var identity = eye(gram.shape[0], dtype: gram.dtype, device: gram.device);
        var difference = gram - identity;
        return squared ? difference.square().sum() : difference.abs().sum();
    }

    /// <summary>
    /// Soft k-means distortion Σ_i Σ_k γ_ik ‖z_i − μ_k‖² (the objective of an isotropic Gaussian mixture with shared
    /// variance, up to constants). Computed by the distance expansion, without a B x K x d tensor.
    /// </summary>
    public static Tensor Distortion(Tensor codes, Tensor assignments, Tensor centroids) =>
        SquaredDistances(codes, centroids).mul(assignments).sum();

    /// <summary>Squared Euclidean distances ‖z_i − μ_k‖² (B x K), clamped at zero.</summary>
    public static Tensor SquaredDistances(Tensor codes, Tensor centroids)
    {
        var zz = codes.square().sum(dim: 1, keepdim: true);
        var uu = centroids.square().sum(dim: 1).unsqueeze(0);
        return (zz + uu - 2 * codes.matmul(centroids.t())).clamp_min(0);
    }
}
