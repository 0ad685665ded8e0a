using DeepClustering.Data;
using DeepClustering.Persistence;
using DeepClustering.Training;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// A fitted <see cref="ClusteringModuleAutoencoder"/> (AE-CM): the fine-tuned autoencoder and the clustering module
/// on its codes. Predictions are argmax γ of the module; <see cref="DeepClusteringModelBase.Embed"/> gives the codes.
/// </summary>
public sealed class ClusteringModuleAutoencoderModel : DeepClusteringModelBase
{
    /// <summary>Model type stored in files.</summary>
    public const string ModelTypeName = "ClusteringModuleAutoencoder";
    private const int Version = 2; // 2: the head stores the whitening of its codes (version 1 files load with none)
    private readonly ClusteringModuleHead head;

    internal ClusteringModuleAutoencoderModel(DeepModelParts parts, ClusteringModuleHead head) : base(parts, head)
    {
        this.head = head;
    }

    /// <inheritdoc />
    public override string ModelType => ModelTypeName;

    /// <inheritdoc />
    protected override int FormatVersion => Version;

    /// <summary>The options the model was fitted with.</summary>
    public new ClusteringModuleAutoencoderOptions Options => (ClusteringModuleAutoencoderOptions)base.Options;

    /// <summary>The module's centroids in latent space (K x latent size).</summary>
    public float[,] Centroids
    {
        get
        {
            ThrowIfDisposed();
            return DeepTensors.ToArray2D(head.Module.Centroids);
        }
    }

    /// <summary>
    /// The centroids decoded into the input space, in the original feature units (K x features): one prototype image
    /// per cluster for image data (the authors' <c>cluster_centers_</c>).
    /// </summary>
    public float[,] Prototypes
    {
        get
        {
            ThrowIfDisposed();
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var decoded = head.Decode(Network, head.Module.Centroids.detach());
            if (Scaler.Kind != ScalerKind.None) decoded = Scaler.InverseTransform(decoded);
            return DeepTensors.ToArray2D(decoded);
        }
    }

    /// <summary>Loads a model saved by <see cref="DeepClusteringModelBase.Save(Stream)"/> onto <paramref name="device"/>.</summary>
    /// <exception cref="ModelFormatException">Not an AE-CM model file, an unsupported version, or damaged.</exception>
    public static ClusteringModuleAutoencoderModel Load(Stream source, string device = "cpu") =>
        LoadModel<ClusteringModuleAutoencoderModel, ClusteringModuleAutoencoderOptions>(source, ModelTypeName, Version, device, Create);

    /// <summary>Loads a model file.</summary>
    public static ClusteringModuleAutoencoderModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    /// <summary>Loads from an opened model file (used by <see cref="ModelFile"/>).</summary>
    internal static ClusteringModuleAutoencoderModel Load(ModelReader reader, string device) =>
        LoadModel<ClusteringModuleAutoencoderModel, ClusteringModuleAutoencoderOptions>(reader, ModelTypeName, Version, device, Create);

    private static ClusteringModuleAutoencoderModel Create(DeepModelParts parts, ModelReader reader)
    {
        int clusters = reader.Get<int>("clusters");
        if (clusters < 1 || clusters > 100_000) throw new ModelFormatException($"the {ModelTypeName} file has an implausible cluster count {clusters}.");
        return new ClusteringModuleAutoencoderModel(parts, new ClusteringModuleHead(parts.Network.LatentSize, clusters, generator: null));
    }
}
