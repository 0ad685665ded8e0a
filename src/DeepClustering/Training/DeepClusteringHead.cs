using DeepClustering.Networks;
using DeepClustering.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>
/// The clustering part of a deep model (cluster centres, an assignment layer, K small autoencoders, a fitted
/// mixture ...). It is shared by the estimator (the loss hook uses it) and the fitted model (prediction), so the
/// assignment rule is written once. Its parameters and registered buffers are trained with the network and saved
/// automatically; other state goes through <see cref="SaveState"/>. Build it on the CPU with the fit's generator
/// and call <c>RegisterComponents()</c> at the end of the constructor (TorchSharp's module convention); the
/// pipeline moves it to the device.
/// </summary>
public abstract class DeepClusteringHead : nn.Module
{
    /// <summary>Creates the module.</summary>
    protected DeepClusteringHead(string name) : base(name) { }

    /// <summary>Number of clusters (columns of <see cref="Probabilities"/>).</summary>
    public abstract int Clusters { get; }

    /// <summary>
    /// Soft assignments (B x K, rows sum to 1) of a batch of scaled inputs and their codes. This is the model's
    /// prediction rule (hard labels are the row-wise argmax); the pipeline also uses it for cluster sizes during
    /// training. Called under no_grad with the network in eval mode for prediction, with gradients in a loss hook.
    /// </summary>
    public abstract Tensor Probabilities(Tensor inputs, Tensor codes);

    /// <summary>Latent codes of a batch; by default the shared network's encoder.</summary>
    public virtual Tensor Codes(AutoencoderNetwork network, Tensor inputs) => network.Encode(inputs);

    /// <summary>Reconstruction of a batch (scaled units); by default the shared network's decoder.</summary>
    public virtual Tensor Reconstruction(AutoencoderNetwork network, Tensor inputs, Tensor codes) => network.Decode(codes);

    /// <summary>
    /// Stores state that is not a parameter or registered buffer (those are saved under "head/..." automatically):
    /// hyper-parameters needed to rebuild the head on load, fitted sub-models, and so on. Use keys starting with
    /// "head." to avoid clashing with the pipeline's entries.
    /// </summary>
    public virtual void SaveState(ModelWriter writer) { }

    /// <summary>
    /// Whether the registered parameter or buffer <paramref name="key"/> may be missing from a model file of
    /// <paramref name="formatVersion"/>: state added in a later format version, which files written before it lack. The
    /// head then keeps the value its constructor gave it. False for everything by default.
    /// </summary>
    protected internal virtual bool MayBeAbsentFromFile(string key, int formatVersion) => false;
}
