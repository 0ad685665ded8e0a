using DeepClustering.Data;
using DeepClustering.Persistence;
using DeepClustering.Training;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// A fitted <see cref="NeuralMixtureEm"/>: the trained backbone and the mixture layer. <see cref="DeepClusteringModelBase.Predict"/>
/// and <see cref="DeepClusteringModelBase.PredictProbabilities"/> give the posterior p(k | x) ∝ π_k f_k(x) of the
/// clean rows; <see cref="DeepClusteringModelBase.Embed"/> gives the backbone's codes h. The decoder behind
/// <see cref="DeepClusteringModelBase.Reconstruct"/> is only meaningful when the network was pretrained as an
/// autoencoder (it is not trained by the EM objective).
/// </summary>
public sealed class NeuralMixtureEmModel : DeepClusteringModelBase
{
    /// <summary>Model type stored in files.</summary>
    public const string ModelTypeName = "NeuralMixtureEm";
    private const int Version = 1;
    private const int Chunk = 2048;
    private readonly NeuralMixtureEmHead head;

    internal NeuralMixtureEmModel(DeepModelParts parts, NeuralMixtureEmHead head) : base(parts, head) => this.head = head;

    /// <inheritdoc />
    public override string ModelType => ModelTypeName;

    /// <inheritdoc />
    protected override int FormatVersion => Version;

    /// <summary>The options the model was fitted with.</summary>
    public new NeuralMixtureEmOptions Options => (NeuralMixtureEmOptions)base.Options;

    /// <summary>The mixing weights π (K, summing to 1).</summary>
    public double[] MixingWeights
    {
        get
        {
            ThrowIfDisposed();
            using var scope = NewDisposeScope();
            return head.LogMixing.exp().to(ScalarType.Float64, CPU).data<double>().ToArray();
        }
    }

    /// <summary>The last layer's weight vectors (K x code width), one per cluster.</summary>
    public float[,] ClusterWeights
    {
        get
        {
            ThrowIfDisposed();
            return DeepTensors.ToArray2D(head.Weight);
        }
    }

    /// <summary>
    /// Per-row cluster log-densities log f_k(x) (N x K) of the equal-mass transform; each f_k has mass 1 under the
    /// reference measure of <see cref="DensityNormalization"/> (prediction form: running masses).
    /// </summary>
    public float[,] ClusterLogDensities(Dataset data)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(data);
        using var codes = Embedding(data);
        using var logF = AutoencoderTraining.MapChunks(codes, head.LogDensities, Chunk);
        return DeepTensors.ToArray2D(logF);
    }

    /// <summary>Per-row mixture log-likelihood log Σ_k π_k f_k(x) of the codes (the objective batch-wise EM increases).</summary>
    public double[] LogLikelihood(Dataset data)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(data);
        using var codes = Embedding(data);
        using var ll = AutoencoderTraining.MapChunks(codes, c => NeuralMixtureEmSteps.LogLikelihood(head.LogDensities(c), head.LogMixing), Chunk);
        using var cpu = ll.to(ScalarType.Float64, CPU);
        return cpu.data<double>().ToArray();
    }

    /// <summary>Loads a model saved by <see cref="DeepClusteringModelBase.Save(Stream)"/> onto <paramref name="device"/>.</summary>
    /// <exception cref="ModelFormatException">Not a NeuralMixtureEm model file, an unsupported version, or damaged.</exception>
    public static NeuralMixtureEmModel Load(Stream source, string device = "cpu") =>
        LoadModel<NeuralMixtureEmModel, NeuralMixtureEmOptions>(source, ModelTypeName, Version, device, Create);

    /// <summary>Loads a model file.</summary>
    public static NeuralMixtureEmModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    internal static NeuralMixtureEmModel Load(ModelReader reader, string device) =>
        LoadModel<NeuralMixtureEmModel, NeuralMixtureEmOptions>(reader, ModelTypeName, Version, device, Create);

    private static NeuralMixtureEmModel Create(DeepModelParts parts, ModelReader reader)
    {
        var options = (NeuralMixtureEmOptions)parts.Options;
        int clusters = reader.Get<int>("clusters");
        if (clusters < 1 || clusters > 100_000) throw new ModelFormatException($"the {ModelTypeName} file has an implausible cluster count {clusters}.");
        try { options.Validate(); }
        catch (ArgumentException e) { throw new ModelFormatException($"the {ModelTypeName} file holds invalid options: {e.Message}", e); }
        return new NeuralMixtureEmModel(parts, new NeuralMixtureEmHead(parts.Network.LatentSize, clusters, options.Normalization, options.Temperature, generator: null));
    }

    private Tensor Embedding(Dataset data)
    {
        var z = Embed(data);
        return tensor(z).to(Device);
    }
}
