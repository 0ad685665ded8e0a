namespace DeepClustering.Models;

/// <summary>How the clustering module's parameters are first set.</summary>
public enum ClusteringModuleInit
{
    /// <summary>
    /// Glorot-uniform encoder weights and centroids, zero biases (the authors' <c>rand</c>). For the deep variant,
    /// combine it with <c>PretrainEpochs = 0</c> to train everything from scratch as the authors' <c>rand</c> runs do.
    /// </summary>
    Random,
    /// <summary>
    /// k-means on the inputs (shallow module) or on the pretrained codes (deep variant), then the module is set to the
    /// posterior of the isotropic Gaussian mixture with those centres and their pooled variance σ² = inertia / (N·d):
    /// U = centres, W = U / σ², b_k = −‖μ_k‖² / (2σ²). The module then starts with the k-means assignments (softened).
    /// This is our choice, not the authors' (see <see cref="KMeansPseudoInverse"/>).
    /// </summary>
    KMeans,
    /// <summary>
    /// The authors' <c>pre</c> exactly: k-means centres as U, encoder weight W = pinv(U)ᵀ, biases zero. The logits are
    /// then the least-squares coefficients of a row in the basis of the centres, which suits non-negative data such as
    /// pixels but can assign centred data poorly (ARI 0.09 against 1.0 for <see cref="KMeans"/> on four separated blobs).
    /// </summary>
    KMeansPseudoInverse,
}

/// <summary>How the loss terms are scaled.</summary>
public enum ClusteringModuleLossScale
{
    /// <summary>
    /// The authors' PyTorch example: the module's distortion terms are divided by B·d (batch size times code width),
    /// the autoencoder's reconstruction is a mean squared error, the orthonormality penalty is ‖UUᵀ − I‖²_F. Loss
    /// weights then hardly depend on the batch size (α ≈ 1.1, β ≈ 100 for MNIST-like pixels).
    /// </summary>
    Normalized,
    /// <summary>
    /// The authors' TensorFlow code (the one their per-dataset tuned values belong to): every term is a sum over the
    /// batch, the orthonormality penalty is Σ|UUᵀ − I|. The Dirichlet term is not summed over the batch, so its
    /// concentration α must grow with the batch size (tuned values range from 1.7 to 1000).
    /// </summary>
    Sum,
}
