using DeepClustering.Core;
using DeepClustering.Mixtures;
using DeepClustering.Persistence;
using DeepClustering.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>The clustering head of <see cref="AutoencoderMixtureModel"/>: a k-means or Gaussian-mixture model of the codes.</summary>
public sealed class AutoencoderMixtureHead : DeepClusteringHead
{
    private const string KindKey = "head.clusterer";
    private const string BytesKey = "head/clusterer-file";
    private IClusteringModel? clusterer;

    /// <summary>Creates an empty head; the pipeline sets the clustering.</summary>
    internal AutoencoderMixtureHead(int clusters) : base(nameof(AutoencoderMixtureHead))
    {
        Clusters = clusters;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override int Clusters { get; }

    /// <summary>The fitted clustering of the codes (owned by the head).</summary>
    public IClusteringModel Clusterer => clusterer ?? throw new InvalidOperationException("the latent clustering has not been set.");

    /// <summary>Which clustering it is.</summary>
    public InitialClusteringKind Kind => Clusterer is GaussianMixtureModel ? InitialClusteringKind.GaussianMixture : InitialClusteringKind.KMeans;

    internal void SetClusterer(IClusteringModel model)
    {
        if (model.Clusters != Clusters) throw new ArgumentException($"the clustering has {model.Clusters} clusters, expected {Clusters}.", nameof(model));
        clusterer?.Dispose();
        clusterer = model;
    }

    /// <summary>The clustering's posteriors of the codes (one-hot rows for k-means).</summary>
    public override Tensor Probabilities(Tensor inputs, Tensor codes)
    {
        switch (Clusterer)
        {
            case GaussianMixtureModel gmm:
                using (var p = gmm.PredictProbabilitiesTensor(codes)) return p.to(ScalarType.Float32, codes.device);
            case KMeansModel kmeans:
                using (var labels = kmeans.PredictTensor(codes))
                    return nn.functional.one_hot(labels.to(ScalarType.Int64, codes.device), Clusters).to(ScalarType.Float32);
            default:
                throw new InvalidOperationException($"unsupported latent clustering {Clusterer.GetType().Name}.");
        }
    }

    /// <summary>Stores the clustering as a nested model file.</summary>
    public override void SaveState(ModelWriter writer)
    {
        // The fitted clustering is stored as a complete model file of its own, inside this one.
        using var buffer = new MemoryStream();
        Clusterer.Save(buffer);
        writer.Set(KindKey, Kind);
        using var bytes = tensor(buffer.ToArray());
        writer.AddTensor(BytesKey, bytes);
    }

    internal static AutoencoderMixtureHead Read(ModelReader reader, int clusters, Device device)
    {
        var kind = reader.Get<InitialClusteringKind>(KindKey);
        byte[] bytes;
        using (var t = reader.GetTensor(BytesKey))
        {
            if (t.dtype != ScalarType.Byte || t.dim() != 1) throw new ModelFormatException("the stored latent clustering is damaged.");
            bytes = t.data<byte>().ToArray();
        }
        var deviceName = device.type == DeviceType.CUDA ? $"cuda:{Math.Max(0, device.index)}" : "cpu";
        using var stream = new MemoryStream(bytes, writable: false);
        IClusteringModel model = kind == InitialClusteringKind.GaussianMixture
            ? GaussianMixtureModel.Load(stream, deviceName)
            : KMeansModel.Load(stream, deviceName);
        var head = new AutoencoderMixtureHead(clusters);
        try
        {
            head.SetClusterer(model);
        }
        catch (ArgumentException e)
        {
            model.Dispose();
            head.Dispose();
            throw new ModelFormatException("the stored latent clustering does not match the model: " + e.Message, e);
        }
        return head;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            clusterer?.Dispose();
            clusterer = null;
        }
        base.Dispose(disposing);
    }
}
