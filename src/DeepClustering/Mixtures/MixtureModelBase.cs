using System.Diagnostics;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Persistence;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// What every fitted model of the EM engine shares (in the spirit of scikit-learn's <c>BaseMixture</c>): the
/// public prediction wrappers with their input checks and row chunking, the centring of the rows, disposal and
/// the save plumbing. A model supplies its per-chunk evaluation and the state it writes and reads.
/// Owns tensors on its device: dispose it.
/// </summary>
public abstract class MixtureModelBase : IClusteringModel
{
    private bool _disposed;

    /// <summary>Takes a copy of the centring vector <paramref name="center"/> (D, any dtype and device).</summary>
    private protected MixtureModelBase(int clusters, int features, Tensor center, FitSummary summary, ScalarType dtype, Device device)
    {
        Clusters = clusters; Features = features; Summary = summary; Dtype = dtype; Device = device;
        Center = center.to(ScalarType.Float64, device).clone().DetachFromDisposeScope();
        CenterWorking = Center.to(dtype).DetachFromDisposeScope();
    }

    /// <inheritdoc />
    public int Clusters { get; }

    /// <inheritdoc />
    public int Features { get; }

    /// <inheritdoc />
    public FitSummary Summary { get; }

    /// <summary>Working precision of predictions (float32 or float64).</summary>
    public ScalarType Dtype { get; }

    /// <summary>Device the model's tensors live on.</summary>
    public Device Device { get; }

    /// <summary>Centring vector (D, float64) subtracted from every row; the parameters are in centred coordinates.</summary>
    private protected Tensor Center { get; }

    /// <summary><see cref="Center"/> in the working precision.</summary>
    private protected Tensor CenterWorking { get; }

    // ---------------------------------------------------------------------------------------------------------
    // Hooks

    /// <summary>What <see cref="EvaluateChunk"/> computes for each row.</summary>
    private protected enum ChunkOutput
    {
        /// <summary>Cluster label (int64).</summary>
        Labels,
        /// <summary>Soft assignments (K columns summing to 1).</summary>
        Probabilities,
        /// <summary>Log of the per-row normaliser of the soft assignments (float64).</summary>
        LogLikelihood,
        /// <summary>Distances to the K centres.</summary>
        Distances,
    }

    /// <summary>Model type name and format version written to (and required from) model files.</summary>
    private protected abstract (string ModelType, int Version) FileFormat { get; }

    /// <summary>Rows per chunk of a prediction.</summary>
    private protected abstract int ChunkRows { get; }

    /// <summary>The <paramref name="output"/> of a chunk of centred rows <paramref name="x"/> (n x D, working precision, on the device).</summary>
    private protected abstract Tensor EvaluateChunk(Tensor x, ChunkOutput output);

    /// <summary>Writes the model's state (everything but the header <see cref="Save(Stream)"/> writes).</summary>
    private protected abstract void WriteState(ModelWriter writer);

    /// <summary>Releases the model's own tensors (the centring vectors are released by the base).</summary>
    private protected abstract void DisposeState();

    /// <summary>Bytes per element of the working precision.</summary>
    private protected int ElementBytes => Dtype == ScalarType.Float64 ? 8 : 4;

    // ---------------------------------------------------------------------------------------------------------
    // Prediction

    /// <summary>Hard cluster labels in 0..<see cref="Clusters"/>-1, one per row.</summary>
    public int[] Predict(Dataset data)
    {
        using var x = ToTensor(data);
        using var labels = PredictTensor(x);
        return TensorArrays.ToInt(labels);
    }

    /// <summary>Cluster labels (int64, N) on the model's device, for an N x D tensor on any device (not modified).</summary>
    public Tensor PredictTensor(Tensor data) => Evaluate(data, ChunkOutput.Labels);

    /// <summary>Soft assignments (N x K); each row sums to 1.</summary>
    public float[,] PredictProbabilities(Dataset data) => EvaluateFloat2D(data, ChunkOutput.Probabilities);

    /// <summary>Checks an N x D tensor (not modified) and evaluates it chunk by chunk; the result is on the model's device.</summary>
    private protected Tensor Evaluate(Tensor data, ChunkOutput output)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(data);
        if (data.dim() != 2) throw new ArgumentException($"data must be a 2-D tensor (rows x features); got {data.dim()} dimensions.", nameof(data));
        DataChecks.CheckWidth(data.shape[1], Features);
        DataChecks.CheckFinite(data);
        using var scope = NewDisposeScope();
        long n = data.shape[0];
        int chunkRows = ChunkRows;
        Tensor? result = null;
        long s = 0;
        do   // at least once, so that no rows still give a result of the right shape
        {
            using var inner = NewDisposeScope();
            long len = Math.Min(chunkRows, n - s);
            var x = data.narrow(0, s, len).to(Dtype, Device) - CenterWorking;
            var part = EvaluateChunk(x, output);
            if (len == n) { result = part.contiguous().MoveToOuterDisposeScope(); break; }   // a single chunk needs no copy
            if (result is null)
            {
                var shape = (long[])part.shape.Clone();
                shape[0] = n;
                result = empty(shape, dtype: part.dtype, device: Device).MoveToOuterDisposeScope();
            }
            result.narrow(0, s, len).copy_(part);
            s += len;
        } while (s < n);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary><see cref="Evaluate"/> of a data set, as a float array (N x columns).</summary>
    private protected float[,] EvaluateFloat2D(Dataset data, ChunkOutput output)
    {
        using var x = ToTensor(data);
        using var result = Evaluate(x, output);
        return TensorArrays.ToFloat2D(result);
    }

    /// <summary><see cref="Evaluate"/> of a data set, as a double array (N).</summary>
    private protected double[] EvaluateDouble1D(Dataset data, ChunkOutput output)
    {
        using var x = ToTensor(data);
        using var result = Evaluate(x, output);
        return TensorArrays.ToDouble1D(result);
    }

    /// <summary>
    /// Labels, posteriors or log normaliser from the weighted log-probabilities <paramref name="logProbabilities"/>
    /// (n x K) of a chunk (scikit-learn's <c>_estimate_weighted_log_prob</c>).
    /// </summary>
    private protected Tensor FromWeightedLogProbabilities(Tensor logProbabilities, ChunkOutput output)
    {
        // Rows whose log-density overflows for every component would get NaN posteriors (or label 0).
        if (output != ChunkOutput.LogLikelihood && !logProbabilities.amax(new long[] { 1 }).isfinite().all().item<bool>())
            throw new ClusteringNumericsException($"the log-densities of some rows overflow {Dtype} for every component (rows far outside the fitted components, or a damaged model); scale the data like the training data, or fit with Precision = Float64.");
        return output switch
        {
            ChunkOutput.Labels => logProbabilities.argmax(1),
            ChunkOutput.Probabilities => logProbabilities.softmax(1),
            ChunkOutput.LogLikelihood => logProbabilities.to(ScalarType.Float64).logsumexp(1),
            _ => throw new UnreachableException($"a mixture of densities has no {output}."),
        };
    }

    private Tensor ToTensor(Dataset data)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(data);
        DataChecks.CheckWidth(data.Columns, Features);
        return data.ToTensor(Device);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Persistence

    /// <inheritdoc />
    public void Save(Stream destination)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(destination);
        using var w = new ModelWriter(destination, FileFormat.ModelType, FileFormat.Version);
        WriteState(w);
    }

    /// <summary>Saves to a file (created or overwritten).</summary>
    public void Save(string path) => ModelFile.WriteFile(path, Save);

    /// <summary>Writes the options, the feature and cluster counts (under <paramref name="clustersKey"/>), the covariance type if any and the working precision.</summary>
    private protected void WriteHeader<TOptions>(ModelWriter w, TOptions options, string clustersKey, CovarianceType? covariance = null)
    {
        w.Set("options", options);
        w.Set("features", Features);
        w.Set(clustersKey, Clusters);
        if (covariance is { } type) w.Set("covariance", type);
        w.Set("dtype", Dtype.ToString());
    }

    /// <summary>
    /// Checks the model type and version of an opened file, resolves <paramref name="device"/> and reads the options and
    /// the feature and cluster counts (under <paramref name="clustersKey"/>; checked by the caller).
    /// </summary>
    private protected static (Device Device, TOptions Options, int Features, int Clusters) ReadHeader<TOptions>(ModelReader r,
        (string ModelType, int Version) format, string device, string clustersKey)
    {
        r.Require(format.ModelType, format.Version);
        var dev = DeviceResolver.Resolve(device);
        var options = r.Get<TOptions>("options");
        return (dev, options, r.Get<int>("features"), r.Get<int>(clustersKey));
    }

    /// <summary>Reads the covariance type of a Gaussian mixture and checks it and the counts against <paramref name="options"/>.</summary>
    private protected static CovarianceType ReadCovariance(ModelReader r, MixtureOptions options, int features, int components, string what)
    {
        var type = r.Get<CovarianceType>("covariance");
        if (features < 1 || components < 1 || !Enum.IsDefined(type) || type != options.Covariance || components != options.Components)
            throw new ModelFormatException($"{what} has inconsistent components, features or covariance type.");
        return type;
    }

    /// <summary>Reads the working precision; <paramref name="what"/> names the file in the error.</summary>
    private protected static ScalarType ReadDtype(ModelReader r, string what)
    {
        var name = r.Get<string>("dtype");
        if (name is not ("Float32" or "Float64")) throw new ModelFormatException($"{what} has an unknown dtype '{name}'.");
        return Enum.Parse<ScalarType>(name);
    }

    /// <summary>Rejects tensors that are not float64 or hold non-finite values; <paramref name="prefix"/> starts the messages.</summary>
    private protected static void CheckFiniteFloat64(string prefix, params (string Name, Tensor Tensor)[] tensors)
    {
        foreach (var (name, t) in tensors)
        {
            if (t.dtype != ScalarType.Float64) throw new ModelFormatException($"{prefix} tensor '{name}' must be float64; got {t.dtype}.");
            using var finite = isfinite(t).all();
            if (!finite.item<bool>()) throw new ModelFormatException($"{prefix} tensor '{name}' holds non-finite values.");
        }
    }

    /// <summary>Validates options read from a file, as a <see cref="ModelFormatException"/>; <paramref name="what"/> names the file.</summary>
    private protected static void ValidateOptions(ClusteringOptions options, string what)
    {
        try { options.Validate(); }
        catch (ArgumentException e) { throw new ModelFormatException($"{what} has invalid options: " + e.Message, e); }
    }

    /// <summary>A stored tensor as a double array of its shape.</summary>
    private protected static Array ReadArray(ModelReader r, string name)
    {
        using var t = r.GetTensor(name);
        return TensorArrays.ToArray(t);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Disposal

    /// <summary>Releases the model's tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DisposeState();
        Center.Dispose(); CenterWorking.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> after <see cref="Dispose"/>.</summary>
    private protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
