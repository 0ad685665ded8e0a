using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// A fitted soft k-means model: centres θ, temperature T, cluster shares. Soft assignments are the Q-step
/// <c>softmax_k(−‖x − θ_k‖² / T)</c>; hard labels are the nearest centres. Save and load like every model.
/// </summary>
public sealed class SoftKMeansModel : IClusteringModel
{
    /// <summary>Model type name in model files.</summary>
    public const string ModelType = "SoftKMeans";
    private const int FormatVersion = 1;
    private const int ChunkRows = 16384;

    private readonly Tensor _centres64;   // K x D, centred coordinates
    private readonly Tensor _weights64;   // K
    private readonly Tensor _center64;    // D
    private readonly Tensor _centres;     // working dtype
    private readonly Tensor _center;      // working dtype
    private bool _disposed;

    internal SoftKMeansModel(SoftKMeansOptions options, Tensor centresCentered, Tensor weights, Tensor center, double energy,
        FitSummary summary, ScalarType dtype, Device device)
    {
        Options = options; Summary = summary; Dtype = dtype; Device = device; Energy = energy;
        Clusters = (int)centresCentered.shape[0];
        Features = (int)centresCentered.shape[1];
        _centres64 = centresCentered.to(ScalarType.Float64, device).clone().DetachFromDisposeScope();
        _weights64 = weights.to(ScalarType.Float64, device).clone().DetachFromDisposeScope();
        _center64 = center.to(ScalarType.Float64, device).clone().DetachFromDisposeScope();
        _centres = _centres64.to(dtype).DetachFromDisposeScope();
        _center = _center64.to(dtype).DetachFromDisposeScope();
    }

    /// <summary>The options the model was fitted with.</summary>
    public SoftKMeansOptions Options { get; }

    /// <inheritdoc />
    public int Clusters { get; }

    /// <inheritdoc />
    public int Features { get; }

    /// <inheritdoc />
    public FitSummary Summary { get; }

    /// <summary>The temperature T = λ·K of the soft assignments.</summary>
    public double Temperature => Options.Temperature;

    /// <summary>
    /// The energy F(Q, θ) = Σ_ik q_ik ‖x_i − θ_k‖² + T Σ_ik q_ik log q_ik of the training data at the end of the fit
    /// (in squared data units; close to k-means' inertia when T is small).
    /// </summary>
    public double Energy { get; }

    /// <summary>Working precision (float32 or float64).</summary>
    public ScalarType Dtype { get; }

    /// <summary>Device the model's tensors live on.</summary>
    public Device Device { get; }

    /// <summary>Centres θ (K x D) as a new array.</summary>
    public double[,] Centroids
    {
        get
        {
            ThrowIfDisposed();
            using var c = _centres64 + _center64;
            return TensorArrays.ToDouble2D(c);
        }
    }

    /// <summary>Cluster shares: the mean soft assignment of each cluster over the training rows (K, summing to 1).</summary>
    public double[] Weights { get { ThrowIfDisposed(); return TensorArrays.ToDouble1D(_weights64); } }

    /// <inheritdoc />
    public int[] Predict(Dataset data)
    {
        using var x = ToTensor(data);
        using var labels = PredictTensor(x);
        return TensorArrays.ToInt(labels);
    }

    /// <summary>Nearest-centre labels (int64, N) on the model's device for an N x D tensor on any device (not modified).</summary>
    public Tensor PredictTensor(Tensor data) => Map(data, d => d.argmin(1));

    /// <inheritdoc />
    public float[,] PredictProbabilities(Dataset data)
    {
        using var x = ToTensor(data);
        using var p = PredictProbabilitiesTensor(x);
        return TensorArrays.ToFloat2D(p);
    }

    /// <summary>Soft assignments softmax(−‖x − θ‖² / T) (N x K) on the model's device for an N x D tensor on any device.</summary>
    public Tensor PredictProbabilitiesTensor(Tensor data) => Map(data, d => d.div_(-Temperature).softmax(1));

    /// <summary>Squared Euclidean distances from each row to each centre (N x K).</summary>
    public float[,] Transform(Dataset data)
    {
        using var x = ToTensor(data);
        using var d = Map(x, d => d);
        return TensorArrays.ToFloat2D(d);
    }

    /// <inheritdoc />
    public void Save(Stream destination)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(destination);
        using var w = new ModelWriter(destination, ModelType, FormatVersion);
        w.Set("options", Options);
        w.Set("features", Features);
        w.Set("clusters", Clusters);
        w.Set("dtype", Dtype.ToString());
        w.Set("energy", Energy);
        FitSummaryRecord.Write(w, Summary);
        w.AddTensor("centroids", _centres64);
        w.AddTensor("weights", _weights64);
        w.AddTensor("center", _center64);
        if (Options.InitialCentroids is { } ic)
        {
            using var init = TensorArrays.FromArray(ic, CPU);
            w.AddTensor("init/centroids", init);
        }
    }

    /// <summary>Saves to a file (created or overwritten).</summary>
    public void Save(string path) => ModelFile.WriteFile(path, Save);

    /// <summary>Loads a model saved by <see cref="Save(Stream)"/>; a corrupt or foreign file raises <see cref="ModelFormatException"/>.</summary>
    /// <param name="source">Readable stream (left open).</param>
    /// <param name="device">Device for the model: "cpu", "cuda", "cuda:N" or "auto".</param>
    public static SoftKMeansModel Load(Stream source, string device = "cpu") =>
        ModelFile.Read(source, ModelType, FormatVersion, reader => Load(reader, device));

    /// <summary>Loads a model from a file.</summary>
    public static SoftKMeansModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    /// <summary>Loads from an opened model file (for <see cref="ModelFile"/>'s registry).</summary>
    internal static SoftKMeansModel Load(ModelReader r, string device)
    {
        r.Require(ModelType, FormatVersion);
        var dev = DeviceResolver.Resolve(device);
        var options = r.Get<SoftKMeansOptions>("options");
        int d = r.Get<int>("features"), k = r.Get<int>("clusters");
        if (d < 1 || k < 1 || k != options.Components)
            throw new ModelFormatException("SoftKMeans model file has an inconsistent feature or cluster count.");
        var dtypeName = r.Get<string>("dtype");
        if (dtypeName is not ("Float32" or "Float64")) throw new ModelFormatException($"SoftKMeans model file has an unknown dtype '{dtypeName}'.");
        var summary = FitSummaryRecord.Read(r);
        if (r.HasTensor("init/centroids"))
        {
            using var init = r.GetTensor("init/centroids", CPU, new long[] { k, d });
            options = options with { InitialCentroids = TensorArrays.ToDouble2D(init) };
        }
        try { options.Validate(); }
        catch (ArgumentException e) { throw new ModelFormatException("SoftKMeans model file has invalid options: " + e.Message, e); }
        using var scope = NewDisposeScope();
        var centres = r.GetTensor("centroids", dev, new long[] { k, d });
        var weights = r.GetTensor("weights", dev, new long[] { k });
        var center = r.GetTensor("center", dev, new long[] { d });
        foreach (var (name, t) in new[] { ("centroids", centres), ("weights", weights), ("center", center) })
        {
            if (t.dtype != ScalarType.Float64) throw new ModelFormatException($"SoftKMeans tensor '{name}' must be float64; got {t.dtype}.");
            if (!isfinite(t).all().item<bool>()) throw new ModelFormatException($"SoftKMeans tensor '{name}' holds non-finite values.");
        }
        return new SoftKMeansModel(options, centres, weights, center, r.Get<double>("energy"), summary, Enum.Parse<ScalarType>(dtypeName), dev);
    }

    /// <summary>Releases the model's tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _centres64.Dispose(); _weights64.Dispose(); _center64.Dispose(); _centres.Dispose(); _center.Dispose();
    }

    /// <summary>Applies <paramref name="map"/> to the squared distances (n x K, a tensor it may modify) of each chunk.</summary>
    private Tensor Map(Tensor data, Func<Tensor, Tensor> map)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(data);
        if (data.dim() != 2) throw new ArgumentException($"data must be a 2-D tensor (rows x features); got {data.dim()} dimensions.", nameof(data));
        DataChecks.CheckWidth(data.shape[1], Features);
        DataChecks.CheckFinite(data);
        using var scope = NewDisposeScope();
        long n = data.shape[0];
        var parts = new List<Tensor>();
        for (long s = 0; s < n; s += ChunkRows)
        {
            var x = data.narrow(0, s, Math.Min(ChunkRows, n - s)).to(Dtype, Device) - _center;
            var distances = SoftKMeansMath.SquaredDistances(x, _centres);
            // A row whose distance to every centre overflows would get NaN probabilities (or label 0).
            if (!distances.amin(new long[] { 1 }).isfinite().all().item<bool>())
                throw new ClusteringNumericsException($"the squared distances of some rows to every centre overflow {Dtype} (rows far outside the fitted clusters, or a damaged model); scale the data like the training data, or fit with Precision = Float64.");
            parts.Add(map(distances));
        }
        if (parts.Count == 0) return map(empty(0, Clusters, dtype: Dtype, device: Device)).MoveToOuterDisposeScope();
        return (parts.Count == 1 ? parts[0] : cat(parts, 0)).MoveToOuterDisposeScope();
    }

    private Tensor ToTensor(Dataset data)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(data);
        DataChecks.CheckWidth(data.Columns, Features);
        return data.ToTensor(Device);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
