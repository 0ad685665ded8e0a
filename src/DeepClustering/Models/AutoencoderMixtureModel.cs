using DeepClustering.Core;
using DeepClustering.Mixtures;
using DeepClustering.Persistence;
using DeepClustering.Training;

namespace DeepClustering.Models;

/// <summary>
/// A fitted <see cref="AutoencoderMixture"/>: autoencoder, input scaler and the Gaussian mixture (or k-means)
/// of the codes. Predictions are the mixture's posteriors of the codes (one-hot rows for k-means).
/// </summary>
public sealed class AutoencoderMixtureModel : DeepClusteringModelBase
{
    /// <summary>Model type stored in files.</summary>
    public const string TypeName = "AutoencoderMixture";
    private const int Version = 1;

    internal AutoencoderMixtureModel(DeepModelParts parts, AutoencoderMixtureHead head) : base(parts, head) { }

    /// <inheritdoc />
    public override string ModelType => TypeName;

    /// <summary>The options the model was fitted with.</summary>
    public new AutoencoderMixtureOptions Options => (AutoencoderMixtureOptions)base.Options;

    /// <summary>Which clustering models the codes.</summary>
    public InitialClusteringKind Clusterer => LatentHead.Kind;

    /// <summary>The Gaussian mixture of the codes (null for k-means). Owned by this model: do not dispose.</summary>
    public GaussianMixtureModel? Mixture => LatentHead.Clusterer as GaussianMixtureModel;

    /// <summary>The k-means model of the codes (null for a Gaussian mixture). Owned by this model: do not dispose.</summary>
    public KMeansModel? KMeans => LatentHead.Clusterer as KMeansModel;

    private AutoencoderMixtureHead LatentHead => (AutoencoderMixtureHead)Head;

    /// <summary>Loads a model saved by <see cref="DeepClusteringModelBase.Save(Stream)"/> onto <paramref name="device"/>.</summary>
    /// <exception cref="ModelFormatException">Another model type, an unsupported version or a damaged file.</exception>
    public static AutoencoderMixtureModel Load(Stream source, string device = "cpu") =>
        LoadModel<AutoencoderMixtureModel, AutoencoderMixtureOptions>(source, TypeName, Version, device, Create);

    /// <summary>Loads a model file.</summary>
    public static AutoencoderMixtureModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    internal static AutoencoderMixtureModel Load(ModelReader reader, string device) =>
        LoadModel<AutoencoderMixtureModel, AutoencoderMixtureOptions>(reader, TypeName, Version, device, Create);

    private static AutoencoderMixtureModel Create(DeepModelParts parts, ModelReader reader) =>
        new(parts, AutoencoderMixtureHead.Read(reader, reader.Get<int>("clusters"), parts.Device));
}
