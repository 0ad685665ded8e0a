using DeepClustering.Data;
using DeepClustering.Persistence;
using DeepClustering.Training;

namespace DeepClustering.Models;

/// <summary>
/// A fitted <see cref="MixtureOfAutoencoders"/> (MIXAE or DAMIC): K autoencoders and an assignment network.
/// <see cref="DeepClusteringModelBase.Embed"/> returns the K codes concatenated (N x <see cref="EmbeddingSize"/>,
/// autoencoder k in columns k·d .. k·d+d−1: what the MIXAE assignment network sees);
/// <see cref="DeepClusteringModelBase.Reconstruct"/> returns each row's reconstruction by the autoencoder it is
/// assigned to. Probabilities are the assignment network's softmax (MIXAE) or the mixture's posterior (DAMIC).
/// </summary>
/// <remarks>
/// The inherited <see cref="DeepClusteringModelBase.Architecture"/>, <see cref="DeepClusteringModelBase.LatentSize"/>
/// and <see cref="DeepClusteringModelBase.ToAutoencoder"/> describe the pipeline's single autoencoder, which this
/// model uses only for <see cref="MixtureOfAutoencodersInitialization.KMeans"/> (and leaves untrained otherwise);
/// the K autoencoders are described by <see cref="AutoencoderHiddenSizes"/> and <see cref="AutoencoderLatentSize"/>.
/// </remarks>
public sealed class MixtureOfAutoencodersModel : DeepClusteringModelBase
{
    /// <summary>Model type stored in files.</summary>
    public const string TypeName = "MixtureOfAutoencoders";
    private const int Version = 1;
    private readonly Scaler scaler;
    private readonly MixtureOfAutoencodersHead mixture;

    internal MixtureOfAutoencodersModel(DeepModelParts parts, MixtureOfAutoencodersHead head) : base(parts, head)
    {
        scaler = parts.Scaler;
        mixture = head;
    }

    /// <inheritdoc />
    public override string ModelType => TypeName;

    /// <inheritdoc />
    protected override int FormatVersion => Version;

    /// <summary>MIXAE or DAMIC.</summary>
    public MixtureOfAutoencodersVariant Variant => mixture.Config.Variant;

    /// <summary>Encoder hidden widths of each of the K autoencoders.</summary>
    public IReadOnlyList<int> AutoencoderHiddenSizes => mixture.Config.HiddenSizes;

    /// <summary>Code width d of each autoencoder.</summary>
    public int AutoencoderLatentSize => mixture.Config.LatentSize;

    /// <summary>Width of <see cref="DeepClusteringModelBase.Embed"/>'s output: K · d.</summary>
    public int EmbeddingSize => Clusters * AutoencoderLatentSize;

    /// <summary>
    /// Relative reconstruction error of every row under every autoencoder (N x K): the mean squared error per
    /// feature (in scaled units) divided by the training data's mean feature variance.
    /// </summary>
    public float[,] ReconstructionErrors(Dataset data)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(data);
        using var x = DeepScaling.ToTensor(scaler, data, Device);
        using var errors = AutoencoderTraining.MapChunks(x, b => mixture.Errors(b));
        return DeepTensors.ToArray2D(errors);
    }

    /// <summary>Loads a model saved by <see cref="DeepClusteringModelBase.Save(Stream)"/> onto <paramref name="device"/>.</summary>
    /// <exception cref="ModelFormatException">The stream does not hold this model type or is damaged.</exception>
    public static MixtureOfAutoencodersModel Load(Stream source, string device = "cpu") =>
        LoadModel<MixtureOfAutoencodersModel, MixtureOfAutoencodersOptions>(source, TypeName, Version, device, Create);

    /// <summary>Loads from an opened model file (used by <see cref="ModelFile"/>'s registry).</summary>
    /// <exception cref="ModelFormatException">The file does not hold this model type or is damaged.</exception>
    public static MixtureOfAutoencodersModel Load(ModelReader reader, string device = "cpu") =>
        LoadModel<MixtureOfAutoencodersModel, MixtureOfAutoencodersOptions>(reader, TypeName, Version, device, Create);

    /// <summary>Loads a model file.</summary>
    public static MixtureOfAutoencodersModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    private static MixtureOfAutoencodersModel Create(DeepModelParts parts, ModelReader reader)
    {
        var config = MixtureOfAutoencodersHead.ReadConfig(reader);
        if (config.Features != parts.Features)
            throw new ModelFormatException("the stored mixture head does not match the stored feature count.");
        return new MixtureOfAutoencodersModel(parts, new MixtureOfAutoencodersHead(config, generator: null));
    }
}
