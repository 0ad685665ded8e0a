using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Persistence;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// A fitted soft k-means model: centres θ, temperature T, cluster shares. Soft assignments are the Q-step
/// <c>softmax_k(−‖x − θ_k‖² / T)</c>; hard labels are the nearest centres. Save and load like every model.
/// </summary>
public sealed class SoftKMeansModel : MixtureModelBase
{
    /// <summary>Model type name in model files.</summary>
    public const string ModelType = "SoftKMeans";
    private const int FormatVersion = 1;

    private readonly Tensor _centres64;   // K x D, centred coordinates
    private readonly Tensor _weights64;   // K
    private readonly Tensor _centres;     // working dtype

    internal SoftKMeansModel(SoftKMeansOptions options, Tensor centresCentered, Tensor weights, Tensor center, double energy,
        FitSummary summary, ScalarType dtype, Device device)
        : base((int)centresCentered.shape[0], (int)centresCentered.shape[1], center, summary, dtype, device)
    {
        Options = options; Energy = energy;
        _centres64 = centresCentered.to(ScalarType.Float64, device).clone().DetachFromDisposeScope();
        _weights64 = weights.to(ScalarType.Float64, device).clone().DetachFromDisposeScope();
        _centres = _centres64.to(dtype).DetachFromDisposeScope();
    }

    /// <summary>The options the model was fitted with.</summary>
    public SoftKMeansOptions Options { get; }

    /// <summary>The temperature T = λ·K of the soft assignments.</summary>
    public double Temperature => Options.Temperature;

    /// <summary>
    /// The energy F(Q, θ) = Σ_ik q_ik ‖x_i − θ_k‖² + T Σ_ik q_ik log q_ik of the training data at the end of the fit
    /// (in squared data units; close to k-means' inertia when T is small).
    /// </summary>
    public double Energy { get; }

    /// <summary>Centres θ (K x D) as a new array.</summary>
    public double[,] Centroids
    {
        get
        {
            ThrowIfDisposed();
            using var c = _centres64 + Center;
            return TensorArrays.ToDouble2D(c);
        }
    }

    /// <summary>Cluster shares: the mean soft assignment of each cluster over the training rows (K, summing to 1).</summary>
    public double[] Weights { get { ThrowIfDisposed(); return TensorArrays.ToDouble1D(_weights64); } }

    /// <summary>Soft assignments softmax(−‖x − θ‖² / T) (N x K) on the model's device for an N x D tensor on any device.</summary>
    public Tensor PredictProbabilitiesTensor(Tensor data) => Evaluate(data, ChunkOutput.Probabilities);

    /// <summary>Squared Euclidean distances from each row to each centre (N x K).</summary>
    public float[,] Transform(Dataset data) => EvaluateFloat2D(data, ChunkOutput.Distances);

    private protected override int ChunkRows => 16384;

    private protected override Tensor EvaluateChunk(Tensor x, ChunkOutput output)
    {
        var distances = SoftKMeansMath.SquaredDistances(x, _centres);
        // A row whose distance to every centre overflows would get NaN probabilities (or label 0).
        if (!distances.amin(new long[] { 1 }).isfinite().all().item<bool>())
            throw new ClusteringNumericsException($"the squared distances of some rows to every centre overflow {Dtype} (rows far outside the fitted clusters, or a damaged model); scale the data like the training data, or fit with Precision = Float64.");
        return output switch
        {
            ChunkOutput.Labels => distances.argmin(1),
            ChunkOutput.Probabilities => distances.div_(-Temperature).softmax(1),
            _ => distances,
        };
    }

    private protected override (string ModelType, int Version) FileFormat => (ModelType, FormatVersion);

    private protected override void WriteState(ModelWriter w)
    {
        WriteHeader(w, Options, "clusters");
        w.Set("energy", Energy);
        FitSummaryRecord.Write(w, Summary);
        w.AddTensor("centroids", _centres64);
        w.AddTensor("weights", _weights64);
        w.AddTensor("center", Center);
        if (Options.InitialCentroids is { } ic)
        {
            using var init = TensorArrays.FromArray(ic, CPU);
            w.AddTensor("init/centroids", init);
        }
    }

    /// <summary>Loads a model saved by <see cref="MixtureModelBase.Save(Stream)"/>; a corrupt or foreign file raises <see cref="ModelFormatException"/>.</summary>
    /// <param name="source">Readable stream (left open).</param>
    /// <param name="device">Device for the model: "cpu", "cuda", "cuda:N" or "auto".</param>
    public static SoftKMeansModel Load(Stream source, string device = "cpu") =>
        ModelFile.Read(source, ModelType, FormatVersion, reader => Load(reader, device));

    /// <summary>Loads a model from a file.</summary>
    public static SoftKMeansModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    /// <summary>Loads from an opened model file (for <see cref="ModelFile"/>'s registry).</summary>
    internal static SoftKMeansModel Load(ModelReader r, string device)
    {
        var (dev, options, d, k) = ReadHeader<SoftKMeansOptions>(r, (ModelType, FormatVersion), device, "clusters");
        if (d < 1 || k < 1 || k != options.Components)
            throw new ModelFormatException("SoftKMeans model file has an inconsistent feature or cluster count.");
        var dtype = ReadDtype(r, "SoftKMeans model file");
        var summary = FitSummaryRecord.Read(r);
        if (r.HasTensor("init/centroids"))
        {
            using var init = r.GetTensor("init/centroids", CPU, new long[] { k, d });
            options = options with { InitialCentroids = TensorArrays.ToDouble2D(init) };
        }
        ValidateOptions(options, "SoftKMeans model file");
        using var scope = NewDisposeScope();
        var centres = r.GetTensor("centroids", dev, new long[] { k, d });
        var weights = r.GetTensor("weights", dev, new long[] { k });
        var center = r.GetTensor("center", dev, new long[] { d });
        CheckFiniteFloat64("SoftKMeans", ("centroids", centres), ("weights", weights), ("center", center));
        return new SoftKMeansModel(options, centres, weights, center, r.Get<double>("energy"), summary, dtype, dev);
    }

    private protected override void DisposeState()
    {
        _centres64.Dispose(); _weights64.Dispose(); _centres.Dispose();
    }
}
