using DeepClustering.Networks;
using DeepClustering.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// The clustering module on the bottleneck of the deep variant (AE-CM): a <see cref="ClusteringModuleLayer"/> over the
/// latent codes. Its assignments γ are the model's prediction rule. The codes the module sees are the encoder's
/// output mapped by fixed buffers, z = (enc(x) − shift) · A · scale, and the decoder receives z · A⁻¹ / scale + shift,
/// which is the same as changing the encoder's last layer and the decoder's first layer: the autoencoder computes the
/// same function, but a pretrained code space can be centred, whitened (A) and brought to the unit scale that the
/// orthonormality penalty asks of the centroids. All are the identity unless set at initialisation.
/// </summary>
public sealed class ClusteringModuleHead : DeepClusteringHead
{
    private readonly ClusteringModuleLayer module;
    private readonly Tensor scale;
    private readonly Tensor shift;
    private readonly Tensor whiten;
    private readonly Tensor unwhiten;

    /// <summary>Builds the head on the CPU (a null generator leaves zeros, for loading).</summary>
    /// <param name="latentSize">Width of the codes.</param>
    /// <param name="clusters">Number of clusters K.</param>
    /// <param name="generator">Source of the initial weights.</param>
    public ClusteringModuleHead(int latentSize, int clusters, Generator? generator) : base(nameof(ClusteringModuleHead))
    {
        module = new ClusteringModuleLayer(latentSize, clusters, generator);
        scale = ones(1);
        shift = zeros(latentSize);
        register_buffer("scale", scale);
        whiten = eye(latentSize);
        unwhiten = eye(latentSize);
        register_buffer("shift", shift);
        register_buffer("whiten", whiten);
        register_buffer("unwhiten", unwhiten);
        RegisterComponents();
    }

    /// <summary>The module (encoder weights and centroids).</summary>
    public ClusteringModuleLayer Module => module;

    /// <summary>Factor between the encoder's output and the codes the module clusters (1 unless set at initialisation).</summary>
    public double CodeScale => scale.item<float>();

    /// <inheritdoc />
    public override int Clusters => module.Clusters;

    /// <inheritdoc />
    public override Tensor Probabilities(Tensor inputs, Tensor codes) => module.Assignments(codes);

    /// <summary>Files of format version 1 (before the whitening) lack A and A⁻¹; they load as the identity.</summary>
    protected internal override bool MayBeAbsentFromFile(string key, int formatVersion) => formatVersion < 2 && key is "whiten" or "unwhiten";

    /// <summary>(enc(x) − shift) · A · scale.</summary>
    public override Tensor Codes(AutoencoderNetwork network, Tensor inputs) => Normalize(network.Encode(inputs));

    /// <summary>The decoder applied to z · A⁻¹ / scale + shift.</summary>
    public override Tensor Reconstruction(AutoencoderNetwork network, Tensor inputs, Tensor codes) => Decode(network, codes);

    /// <summary>The decoder applied to codes in the module's space.</summary>
    public Tensor Decode(AutoencoderNetwork network, Tensor codes) => network.Decode(codes.div(scale).matmul(unwhiten).add(shift));

    /// <summary>Maps raw encoder outputs (N x d) into the module's code space (a new tensor).</summary>
    public Tensor Normalize(Tensor encoderOutput) => encoderOutput.sub(shift).matmul(whiten).mul(scale);

    /// <summary>
    /// Sets the shift (length d), the scale (positive and finite) and optionally the whitening A (d x d, with its inverse;
    /// null keeps the identity) between encoder outputs and codes.
    /// </summary>
    public void SetCodeTransform(Tensor newShift, double newScale, Tensor? newWhiten = null, Tensor? newUnwhiten = null)
    {
        ArgumentNullException.ThrowIfNull(newShift);
        if (!double.IsFinite(newScale) || newScale <= 0) throw new ArgumentOutOfRangeException(nameof(newScale), newScale, "the code scale must be positive and finite.");
        if (newShift.numel() != shift.numel()) throw new ArgumentException($"the shift must have {shift.numel()} values.", nameof(newShift));
        if ((newWhiten is null) != (newUnwhiten is null)) throw new ArgumentException("give both the whitening and its inverse, or neither.", nameof(newUnwhiten));
        if (newWhiten is not null && (!newWhiten.shape.SequenceEqual(whiten.shape) || !newUnwhiten!.shape.SequenceEqual(whiten.shape)))
            throw new ArgumentException($"the whitening and its inverse must be {whiten.shape[0]} x {whiten.shape[1]}.", nameof(newWhiten));
        using var noGrad = no_grad();
        scale.fill_(newScale);
        shift.copy_(newShift.detach().reshape(shift.shape));
        if (newWhiten is null)
        {
            using var identity = eye(whiten.shape[0], dtype: whiten.dtype, device: whiten.device);
            whiten.copy_(identity);
            unwhiten.copy_(identity);
        }
        else
        {
            whiten.copy_(newWhiten.detach());
            unwhiten.copy_(newUnwhiten!.detach());
        }
    }
}
