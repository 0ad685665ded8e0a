using static TorchSharp.torch;

namespace DeepClustering.Networks;

/// <summary>
/// Fully connected autoencoder: encoder D-h1-...-hn-d, decoder mirrored d-hn-...-h1-D; linear (or tanh) code and
/// linear output (DEC/IDEC/AE-CM family).
/// </summary>
public sealed class MlpAutoencoder : AutoencoderNetwork
{
    private readonly Mlp encoder;
    private readonly Mlp decoder;

    /// <summary>Builds the network on the CPU; a null generator leaves zero weights (state loaded next).</summary>
    public MlpAutoencoder(AutoencoderArchitecture architecture, Generator? generator) : base(nameof(MlpAutoencoder), architecture)
    {
        if (architecture.Kind != NetworkKind.Mlp) throw new ArgumentException("the architecture is not an MLP.", nameof(architecture));
        var sizes = new List<int> { architecture.InputSize };
        sizes.AddRange(architecture.HiddenSizes);
        sizes.Add(architecture.LatentSize);
        var init = architecture.GlorotInit ? WeightInitKind.GlorotUniform : WeightInitKind.PyTorchDefault;
        encoder = new Mlp(sizes, architecture.Activation, init, generator, architecture.TanhBottleneck);
        sizes.Reverse();
        decoder = new Mlp(sizes, architecture.Activation, init, generator);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor Encode(Tensor input) => encoder.forward(input);

    /// <inheritdoc />
    public override Tensor Decode(Tensor codes) => decoder.forward(codes);
}
