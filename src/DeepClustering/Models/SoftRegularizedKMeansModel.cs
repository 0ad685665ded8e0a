using DeepClustering.Persistence;
using DeepClustering.Training;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// A fitted deep SR-K-means model: the fine-tuned autoencoder, the soft means θ of the bounded codes and the
/// logistic posterior <c>softmax_k(z θ_kᵀ / T + b_k)</c> (or the Q-step, per
/// <see cref="SoftRegularizedKMeansOptions.Prediction"/>). <see cref="DeepClusteringModelBase.Embed"/> returns the
/// bounded codes. Save and load like every model; dispose it when done.
/// </summary>
public sealed class SoftRegularizedKMeansModel : DeepClusteringModelBase
{
    /// <summary>Model type name in model files.</summary>
    public const string TypeName = "SoftRegularizedKMeans";
    private const int Version = 1;

    internal SoftRegularizedKMeansModel(DeepModelParts parts, SoftRegularizedKMeansHead head) : base(parts, head) { }

    /// <inheritdoc />
    public override string ModelType => TypeName;

    /// <inheritdoc />
    protected override int FormatVersion => Version;

    private SoftRegularizedKMeansHead SrHead => (SoftRegularizedKMeansHead)Head;

    /// <summary>The options the model was fitted with.</summary>
    public new SoftRegularizedKMeansOptions Options => (SoftRegularizedKMeansOptions)base.Options;

    /// <summary>The temperature T = λ·K.</summary>
    public double Temperature => SrHead.Temperature;

    /// <summary>The prediction rule.</summary>
    public SoftRegularizedKMeansPrediction Prediction => SrHead.Prediction;

    /// <summary>The soft means θ of the bounded codes (K x latent size), as a new array.</summary>
    public float[,] Centroids => DeepTensors.ToArray2D(SrHead.Centres);

    /// <summary>The biases b_k = ½ log(mean_i q_ik) of the logistic posterior (K).</summary>
    public float[] Biases
    {
        get
        {
            using var cpu = SrHead.Bias.to(ScalarType.Float32, CPU);
            return cpu.data<float>().ToArray();
        }
    }

    /// <summary>Loads a model saved by <see cref="DeepClusteringModelBase.Save(Stream)"/> onto <paramref name="device"/>.</summary>
    /// <exception cref="ModelFormatException">Not an SR-K-means model file, an unsupported version, or a damaged file.</exception>
    public static SoftRegularizedKMeansModel Load(Stream source, string device = "cpu") =>
        LoadModel<SoftRegularizedKMeansModel, SoftRegularizedKMeansOptions>(source, TypeName, Version, device, Create);

    /// <summary>Loads a model file.</summary>
    public static SoftRegularizedKMeansModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    /// <summary>Loads from an opened model file (for <see cref="ModelFile"/>'s registry).</summary>
    internal static SoftRegularizedKMeansModel Load(ModelReader reader, string device) =>
        LoadModel<SoftRegularizedKMeansModel, SoftRegularizedKMeansOptions>(reader, TypeName, Version, device, Create);

    private static SoftRegularizedKMeansModel Create(DeepModelParts parts, ModelReader reader)
    {
        int clusters = reader.Get<int>("clusters");
        int latent = reader.Get<int>("head.latentSize");
        if (clusters < 1 || clusters > 100_000 || latent != parts.Network.LatentSize)
            throw new ModelFormatException("the SR-K-means head does not match the stored network (cluster count or code width).");
        var head = new SoftRegularizedKMeansHead(clusters, latent, reader.Get<double>("head.temperature"), reader.Get<bool>("head.boundCodes"),
            reader.Get<SoftRegularizedKMeansPrediction>("head.prediction"));
        try
        {
            if (reader.GetOptional<double[]>("head.codeOffset") is { } offset)
            {
                try { head.SetCodeStandardisation(offset, reader.Get<double>("head.codeScale")); }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    throw new ModelFormatException($"the SR-K-means head's code standardisation is damaged: {e.Message}");
                }
            }
            return new SoftRegularizedKMeansModel(parts, head);
        }
        catch
        {
            head.Dispose();
            throw;
        }
    }
}
