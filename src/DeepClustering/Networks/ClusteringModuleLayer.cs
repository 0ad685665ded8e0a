using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepClustering.Networks;

/// <summary>
/// The clustering module as a one-hidden-layer autoencoder (Boubekki et al.): the encoder is a softmax layer,
/// <c>γ = softmax(W z + b)</c> (K assignments), the decoder a linear layer without bias whose K rows are the
/// centroids, <c>ẑ = γ U</c>. A decoder bias would be redundant: γ sums to one, so it is absorbed into the
/// centroids. Weights are Glorot-uniform from the caller's generator and biases zero.
/// </summary>
public sealed class ClusteringModuleLayer : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly Parameter centroids;

    /// <summary>Builds the layer on the CPU; a null generator leaves zeros (for layers whose state is loaded next).</summary>
    /// <param name="inputSize">Width d of the codes (or raw features) it clusters.</param>
    /// <param name="clusters">Number of clusters K.</param>
    /// <param name="generator">Source of the initial weights.</param>
    public ClusteringModuleLayer(int inputSize, int clusters, Generator? generator) : base(nameof(ClusteringModuleLayer))
    {
        if (inputSize < 1) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "inputSize must be ≥ 1.");
        if (clusters < 1) throw new ArgumentOutOfRangeException(nameof(clusters), clusters, "clusters must be ≥ 1.");
        InputSize = inputSize;
        Clusters = clusters;
        var w = empty(clusters, inputSize);
        var b = zeros(clusters);
        var u = empty(clusters, inputSize);
        // Keras Dense(d → K) and Dense(K → d) kernels: fans (d, K) and (K, d); both give the same Glorot bound.
        WeightInit.Initialize(w, null, inputSize, clusters, WeightInitKind.GlorotUniform, generator);
        WeightInit.Initialize(u, null, clusters, inputSize, WeightInitKind.GlorotUniform, generator);
        weight = new Parameter(w);
        bias = new Parameter(b);
        centroids = new Parameter(u);
        RegisterComponents();
    }

    /// <summary>Width d of the inputs.</summary>
    public int InputSize { get; }

    /// <summary>Number of clusters K.</summary>
    public int Clusters { get; }

    /// <summary>The centroids U (K x d), a trainable parameter.</summary>
    public Parameter Centroids => centroids;

    /// <summary>The encoder weight W (K x d).</summary>
    public Parameter Weight => weight;

    /// <summary>The encoder bias b (K).</summary>
    public Parameter Bias => bias;

    /// <summary>Assignment logits W z + b (B x K).</summary>
    public Tensor Logits(Tensor inputs) => nn.functional.linear(inputs, weight, bias);

    /// <summary>Soft assignments γ = softmax(W z + b) (B x K).</summary>
    public Tensor Assignments(Tensor inputs) => Logits(inputs).softmax(1);

    /// <summary>The module's reconstruction γ U of a batch (B x d).</summary>
    public override Tensor forward(Tensor inputs) => Assignments(inputs).matmul(centroids);

    /// <summary>
    /// The authors' initialisation from given centres (e.g. k-means on the codes): U = centres, W = pinv(U)ᵀ so that
    /// the logits are z pinv(U), biases zero.
    /// </summary>
    public void SetFromCentroids(Tensor centres)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var c = CheckCentres(centres);
        var inverse = linalg.pinv(c.to(ScalarType.Float64)).to(weight.dtype); // d x K
        centroids.copy_(c);
        weight.copy_(inverse.t());
        bias.zero_();
    }

    /// <summary>
    /// Sets the module to the posterior of an isotropic Gaussian mixture with the given centres, shared variance
    /// <paramref name="variance"/> and equal weights: U = centres, W = U / σ², b_k = −‖μ_k‖² / (2σ²), so that
    /// γ = softmax(−‖z − μ_k‖² / (2σ²)) exactly.
    /// </summary>
    public void SetFromMixture(Tensor centres, double variance)
    {
        if (!double.IsFinite(variance) || variance <= 0)
            throw new ArgumentOutOfRangeException(nameof(variance), variance, "variance must be a positive finite number.");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var c = CheckCentres(centres);
        centroids.copy_(c);
        weight.copy_(c / variance);
        bias.copy_(c.square().sum(dim: 1).div(-2 * variance));
    }

    private Tensor CheckCentres(Tensor centres)
    {
        ArgumentNullException.ThrowIfNull(centres);
        if (centres.dim() != 2 || centres.shape[0] != Clusters || centres.shape[1] != InputSize)
            throw new ArgumentException($"centres must be {Clusters} x {InputSize}; got [{string.Join(", ", centres.shape)}].", nameof(centres));
        return centres.detach().to(centroids.dtype, centroids.device);
    }
}
