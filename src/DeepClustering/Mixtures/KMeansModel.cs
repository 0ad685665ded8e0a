using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Persistence;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>A fitted k-means model: centroids on a device, nearest-centroid prediction, save and load.</summary>
public sealed class KMeansModel : MixtureModelBase
{
    /// <summary>Model type name in model files.</summary>
    public const string ModelType = "KMeans";
    private const int FormatVersion = 1;

    private readonly Tensor _centroids64;   // K x D, centred coordinates
    private readonly Tensor _centroids;     // working dtype

    internal KMeansModel(KMeansOptions options, Tensor centroidsCentered, Tensor center, double inertia, FitSummary summary,
        ScalarType dtype, Device device)
        : base((int)centroidsCentered.shape[0], (int)centroidsCentered.shape[1], center, summary, dtype, device)
    {
        Options = options; Inertia = inertia;
        _centroids64 = centroidsCentered.to(ScalarType.Float64, device).clone().DetachFromDisposeScope();
        _centroids = _centroids64.to(dtype).DetachFromDisposeScope();
    }

    /// <summary>The options the model was fitted with.</summary>
    public KMeansOptions Options { get; }

    /// <summary>Sum of squared distances of the training rows to their nearest centroid.</summary>
    public double Inertia { get; }

    /// <summary>Centroids (K x D) as a new array.</summary>
    public float[,] Centroids
    {
        get
        {
            ThrowIfDisposed();
            using var c = _centroids64 + Center;
            return TensorArrays.ToFloat2D(c);
        }
    }

    /// <summary>Centroids (K x D) as a new tensor in the working precision on the model's device; the caller owns it.</summary>
    public Tensor CentroidsTensor()
    {
        ThrowIfDisposed();
        using var c = _centroids64 + Center;
        return c.to(Dtype);
    }

    /// <summary>Euclidean distances from each row to each centroid (N x K), as scikit-learn's <c>transform</c>.</summary>
    public float[,] Transform(Dataset data) => EvaluateFloat2D(data, ChunkOutput.Distances);

    /// <summary>Euclidean distances (N x K) on the model's device for an N x D tensor on any device.</summary>
    public Tensor TransformTensor(Tensor data) => Evaluate(data, ChunkOutput.Distances);

    private protected override int ChunkRows => KMeansEngine.DefaultChunkRows(Clusters, Features, ElementBytes);

    private protected override Tensor EvaluateChunk(Tensor x, ChunkOutput output)
    {
        var xx = KMeansEngine.RowNorms(x);
        if (output == ChunkOutput.Distances) return KMeansEngine.SquaredDistancesTo(x, xx, _centroids, ChunkRows).t().sqrt();
        var (labels, _) = KMeansEngine.Assign(x, xx, _centroids, ChunkRows, CancellationToken.None);
        // k-means has no soft assignments: its probabilities are one-hot rows.
        return output == ChunkOutput.Labels ? labels : nn.functional.one_hot(labels, Clusters).to(ScalarType.Float32);
    }

    private protected override (string ModelType, int Version) FileFormat => (ModelType, FormatVersion);

    private protected override void WriteState(ModelWriter w)
    {
        WriteHeader(w, Options, "clusters");
        w.Set("inertia", Inertia);
        FitSummaryRecord.Write(w, Summary);
        w.AddTensor("centroids", _centroids64);
        w.AddTensor("center", Center);
    }

    /// <summary>Loads a model saved by <see cref="MixtureModelBase.Save(Stream)"/>; a corrupt or foreign file raises <see cref="ModelFormatException"/>.</summary>
    /// <param name="source">Readable stream (left open).</param>
    /// <param name="device">Device for the model: "cpu", "cuda", "cuda:N" or "auto".</param>
    public static KMeansModel Load(Stream source, string device = "cpu") =>
        ModelFile.Read(source, ModelType, FormatVersion, reader => Load(reader, device));

    /// <summary>Loads a model from a file.</summary>
    public static KMeansModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    internal static KMeansModel Load(ModelReader r, string device)
    {
        var (dev, options, d, k) = ReadHeader<KMeansOptions>(r, (ModelType, FormatVersion), device, "clusters");
        if (d < 1 || k < 1) throw new ModelFormatException("KMeans model file has an invalid feature or cluster count.");
        ValidateOptions(options, "KMeans model file");
        var dtype = ReadDtype(r, "KMeans model file");
        var summary = FitSummaryRecord.Read(r);
        using var c = r.GetTensor("centroids", dev, new long[] { k, d });
        using var center = r.GetTensor("center", dev, new long[] { d });
        CheckFiniteFloat64("KMeans", ("centroids", c), ("center", center)); // NaN centres would predict silently wrong labels
        return new KMeansModel(options, c, center, r.Get<double>("inertia"), summary, dtype, dev);
    }

    private protected override void DisposeState()
    {
        _centroids64.Dispose(); _centroids.Dispose();
    }
}
