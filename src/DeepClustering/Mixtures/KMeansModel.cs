using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>A fitted k-means model: centroids on a device, nearest-centroid prediction, save and load.</summary>
public sealed class KMeansModel : IClusteringModel
{
    /// <summary>Model type name in model files.</summary>
    public const string ModelType = "KMeans";
    private const int FormatVersion = 1;

    private readonly Tensor _centroids64;   // K x D, centred coordinates
    private readonly Tensor _center64;      // D
    private readonly Tensor _centroids;     // working dtype
    private readonly Tensor _center;        // working dtype
    private readonly ScalarType _dtype;
    private readonly Device _device;
    private bool _disposed;

    internal KMeansModel(KMeansOptions options, Tensor centroidsCentered, Tensor center, double inertia, FitSummary summary,
        ScalarType dtype, Device device)
    {
        Options = options; Inertia = inertia; Summary = summary; _dtype = dtype; _device = device;
        Clusters = (int)centroidsCentered.shape[0];
        Features = (int)centroidsCentered.shape[1];
        _centroids64 = centroidsCentered.to(ScalarType.Float64, device).clone().DetachFromDisposeScope();
        _center64 = center.to(ScalarType.Float64, device).clone().DetachFromDisposeScope();
        _centroids = _centroids64.to(dtype).DetachFromDisposeScope();
        _center = _center64.to(dtype).DetachFromDisposeScope();
    }

    /// <summary>The options the model was fitted with.</summary>
    public KMeansOptions Options { get; }

    /// <inheritdoc />
    public int Clusters { get; }

    /// <inheritdoc />
    public int Features { get; }

    /// <inheritdoc />
    public FitSummary Summary { get; }

    /// <summary>Sum of squared distances of the training rows to their nearest centroid.</summary>
    public double Inertia { get; }

    /// <summary>Device the model's tensors live on.</summary>
    public Device Device => _device;

    /// <summary>Working precision (float32 or float64).</summary>
    public ScalarType Dtype => _dtype;

    /// <summary>Centroids (K x D) as a new array.</summary>
    public float[,] Centroids
    {
        get
        {
            ThrowIfDisposed();
            using var c = _centroids64 + _center64;
            return TensorArrays.ToFloat2D(c);
        }
    }

    /// <summary>Centroids (K x D) as a new tensor in the working precision on the model's device; the caller owns it.</summary>
    public Tensor CentroidsTensor()
    {
        ThrowIfDisposed();
        using var c = _centroids64 + _center64;
        return c.to(_dtype);
    }

    /// <inheritdoc />
    public int[] Predict(Dataset data)
    {
        using var x = ToTensor(data);
        using var labels = PredictTensor(x);
        return TensorArrays.ToInt(labels);
    }

    /// <summary>Nearest-centroid labels (int64, N) on the model's device for an N x D tensor on any device (not modified).</summary>
    public Tensor PredictTensor(Tensor data)
    {
        using var scope = NewDisposeScope();
        var (x, xx) = Prepare(data);
        var (labels, _) = KMeansEngine.Assign(x, xx, _centroids, ChunkRows, CancellationToken.None);
        return labels.MoveToOuterDisposeScope();
    }

    /// <summary>Hard assignments as one-hot rows (k-means has no soft assignments).</summary>
    public float[,] PredictProbabilities(Dataset data)
    {
        var labels = Predict(data);
        var p = new float[labels.Length, Clusters];
        for (int i = 0; i < labels.Length; i++) p[i, labels[i]] = 1f;
        return p;
    }

    /// <summary>Euclidean distances from each row to each centroid (N x K), as scikit-learn's <c>transform</c>.</summary>
    public float[,] Transform(Dataset data)
    {
        using var x = ToTensor(data);
        using var d = TransformTensor(x);
        return TensorArrays.ToFloat2D(d);
    }

    /// <summary>Euclidean distances (N x K) on the model's device for an N x D tensor on any device.</summary>
    public Tensor TransformTensor(Tensor data)
    {
        using var scope = NewDisposeScope();
        var (x, xx) = Prepare(data);
        var d = KMeansEngine.SquaredDistancesTo(x, xx, _centroids, ChunkRows).t().sqrt();
        return d.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Save(Stream destination)
    {
        ThrowIfDisposed();
        using var w = new ModelWriter(destination, ModelType, FormatVersion);
        w.Set("options", Options);
        w.Set("features", Features);
        w.Set("clusters", Clusters);
        w.Set("dtype", _dtype.ToString());
        w.Set("inertia", Inertia);
        FitSummaryRecord.Write(w, Summary);
        w.AddTensor("centroids", _centroids64);
        w.AddTensor("center", _center64);
    }

    /// <summary>Saves to a file (created or overwritten).</summary>
    public void Save(string path) => ModelFile.WriteFile(path, Save);

    /// <summary>Loads a model saved by <see cref="Save(Stream)"/>; a corrupt or foreign file raises <see cref="ModelFormatException"/>.</summary>
    /// <param name="source">Readable stream (left open).</param>
    /// <param name="device">Device for the model: "cpu", "cuda", "cuda:N" or "auto".</param>
    public static KMeansModel Load(Stream source, string device = "cpu") =>
        ModelFile.Read(source, ModelType, FormatVersion, reader => Load(reader, device));

    /// <summary>Loads a model from a file.</summary>
    public static KMeansModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    internal static KMeansModel Load(ModelReader r, string device)
    {
        r.Require(ModelType, FormatVersion);
        var dev = DeviceResolver.Resolve(device);
        var options = r.Get<KMeansOptions>("options");
        int d = r.Get<int>("features"), k = r.Get<int>("clusters");
        if (d < 1 || k < 1) throw new ModelFormatException("KMeans model file has an invalid feature or cluster count.");
        var dtypeName = r.Get<string>("dtype");
        if (dtypeName is not ("Float32" or "Float64")) throw new ModelFormatException($"KMeans model file has an unknown dtype '{dtypeName}'.");
        var dtype = Enum.Parse<ScalarType>(dtypeName);
        var summary = FitSummaryRecord.Read(r);
        using var c = r.GetTensor("centroids", dev, new long[] { k, d });
        using var center = r.GetTensor("center", dev, new long[] { d });
        if (c.dtype != ScalarType.Float64 || center.dtype != ScalarType.Float64) throw new ModelFormatException("KMeans model tensors must be float64.");
        return new KMeansModel(options, c, center, r.Get<double>("inertia"), summary, dtype, dev);
    }

    /// <summary>Releases the model's tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _centroids64.Dispose(); _center64.Dispose(); _centroids.Dispose(); _center.Dispose();
    }

    private int ChunkRows => KMeansEngine.DefaultChunkRows(Clusters, Features, _dtype == ScalarType.Float64 ? 8 : 4);

    private Tensor ToTensor(Dataset data)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(data);
        DataChecks.CheckWidth(data.Columns, Features);
        return data.ToTensor(_device);
    }

    /// <summary>Centred rows in the working dtype and their squared norms, registered in the caller's scope.</summary>
    private (Tensor X, Tensor XX) Prepare(Tensor data)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(data);
        if (data.dim() != 2) throw new ArgumentException($"data must be a 2-D tensor (rows x features); got {data.dim()} dimensions.", nameof(data));
        DataChecks.CheckWidth(data.shape[1], Features);
        DataChecks.CheckFinite(data);
        var x = data.to(_dtype, _device) - _center;
        return (x, KMeansEngine.RowNorms(x));
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
