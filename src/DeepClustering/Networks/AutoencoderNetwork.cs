using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Networks;

/// <summary>
/// An autoencoder: <see cref="Encode"/> maps a batch (B x <see cref="InputSize"/>, flattened and scaled) to latent
/// codes (B x <see cref="LatentSize"/>), <see cref="Decode"/> maps codes back; <c>forward</c> is the reconstruction.
/// </summary>
public abstract class AutoencoderNetwork : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the base module.</summary>
    protected AutoencoderNetwork(string name, AutoencoderArchitecture architecture) : base(name)
    {
        Architecture = architecture ?? throw new ArgumentNullException(nameof(architecture));
    }

    /// <summary>The architecture this network was built from.</summary>
    public AutoencoderArchitecture Architecture { get; }

    /// <summary>Width of a flattened input row.</summary>
    public int InputSize => Architecture.InputSize;

    /// <summary>Width of the latent code.</summary>
    public int LatentSize => Architecture.LatentSize;

    /// <summary>Latent codes of a batch.</summary>
    public abstract Tensor Encode(Tensor input);

    /// <summary>Reconstructions (B x <see cref="InputSize"/>) of a batch of codes.</summary>
    public abstract Tensor Decode(Tensor codes);

    /// <summary>Reconstruction of a batch: <c>Decode(Encode(input))</c>.</summary>
    public override Tensor forward(Tensor input) => Decode(Encode(input));

    /// <summary>
    /// A new network of the same architecture holding a copy of this one's parameters, on <paramref name="device"/>.
    /// Models fine-tune such a copy, so a shared pretrained autoencoder is never changed.
    /// </summary>
    public AutoencoderNetwork Clone(Device device)
    {
        var copy = Architecture.Create(generator: null);
        try
        {
            using (no_grad())
            {
                var source = state_dict();
                foreach (var (key, target) in copy.state_dict()) target.copy_(source[key]);
            }
            copy.to(device);
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }
}
