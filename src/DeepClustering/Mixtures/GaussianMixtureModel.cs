using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// A fitted Gaussian mixture: parameters in scikit-learn's shapes, prediction, soft assignments, per-row
/// log-likelihood, BIC/AIC, sampling, save and load. Owns tensors on its device: dispose it.
/// </summary>
public sealed class GaussianMixtureModel : IDensityModel
{
    /// <summary>Model type name in model files.</summary>
    public const string ModelType = "GaussianMixture";
    private const int FormatVersion = 1;

    private readonly Tensor _weights, _means, _covariances, _precisionsCholesky, _center;   // double; means centred
    private readonly Tensor _centerWorking;
    private readonly GaussianLogDensity _density;
    private bool _disposed;

    internal GaussianMixtureModel(GaussianMixtureOptions options, Tensor weights, Tensor meansCentered, Tensor covariances,
        Tensor precisionsCholesky, Tensor center, FitSummary summary, ScalarType dtype, Device device)
    {
        Options = options; Summary = summary; Dtype = dtype; Device = device;
        Covariance = options.Covariance;
        Clusters = (int)meansCentered.shape[0];
        Features = (int)meansCentered.shape[1];
        var f64 = ScalarType.Float64;
        _weights = weights.to(f64, device).clone().DetachFromDisposeScope();
        _means = meansCentered.to(f64, device).clone().DetachFromDisposeScope();
        _covariances = covariances.to(f64, device).clone().DetachFromDisposeScope();
        _precisionsCholesky = precisionsCholesky.to(f64, device).clone().DetachFromDisposeScope();
        _center = center.to(f64, device).clone().DetachFromDisposeScope();
        _centerWorking = _center.to(dtype).DetachFromDisposeScope();
        // Built exactly as during the fit (GaussianParameters), so Predict repeats the final E-step bit for bit.
        using (var logW = _weights.log())
            _density = GaussianLogDensity.Create(Covariance, _means, _precisionsCholesky, logW, dtype);
    }

    /// <summary>The options the model was fitted with.</summary>
    public GaussianMixtureOptions Options { get; }

    /// <summary>Covariance type.</summary>
    public CovarianceType Covariance { get; }

    /// <inheritdoc />
    public int Clusters { get; }

    /// <summary>Number of components (same as <see cref="Clusters"/>).</summary>
    public int Components => Clusters;

    /// <inheritdoc />
    public int Features { get; }

    /// <inheritdoc />
    public FitSummary Summary { get; }

    /// <summary>Working precision of predictions.</summary>
    public ScalarType Dtype { get; }

    /// <summary>Device of the model's tensors.</summary>
    public Device Device { get; }

    /// <summary>Mixing weights (K).</summary>
    public double[] Weights { get { ThrowIfDisposed(); return TensorArrays.ToDouble1D(_weights); } }

    /// <summary>Component means (K x D).</summary>
    public double[,] Means
    {
        get
        {
            ThrowIfDisposed();
            using var m = _means + _center;
            return TensorArrays.ToDouble2D(m);
        }
    }

    /// <summary>Covariances in scikit-learn's shape: Full double[K, D, D], Tied double[D, D], Diagonal double[K, D], Spherical double[K].</summary>
    public Array Covariances { get { ThrowIfDisposed(); return TensorArrays.ToArray(_covariances); } }

    /// <summary>Precision Cholesky factors (P with P Pᵀ = Σ⁻¹), shaped as <see cref="Covariances"/>.</summary>
    public Array PrecisionsCholesky { get { ThrowIfDisposed(); return TensorArrays.ToArray(_precisionsCholesky); } }

    /// <summary>Precisions (inverse covariances), shaped as <see cref="Covariances"/>.</summary>
    public Array Precisions
    {
        get
        {
            ThrowIfDisposed();
            using var p = GaussianMath.PrecisionsFromCholesky(Covariance, _precisionsCholesky);
            return TensorArrays.ToArray(p);
        }
    }

    /// <summary>The D x D covariance matrix of component <paramref name="component"/>, whatever the covariance type.</summary>
    public double[,] ComponentCovariance(int component)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(component);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(component, Clusters);
        using var scope = NewDisposeScope();
        var m = Covariance switch
        {
            CovarianceType.Full => _covariances[component],
            CovarianceType.Tied => _covariances,
            CovarianceType.Diagonal => _covariances[component].diag(),
            _ => eye(Features, dtype: ScalarType.Float64, device: Device) * _covariances[component],
        };
        return TensorArrays.ToDouble2D(m);
    }

    /// <summary>Number of free parameters (scikit-learn's <c>_n_parameters</c>).</summary>
    public long ParameterCount => GaussianMath.ParameterCount(Covariance, Clusters, Features);

    // ---------------------------------------------------------------------------------------------------------
    // Prediction

    /// <inheritdoc />
    public int[] Predict(Dataset data)
    {
        using var x = ToTensor(data);
        using var labels = PredictTensor(x);
        return TensorArrays.ToInt(labels);
    }

    /// <summary>Most probable component per row (int64, N) on the model's device, for an N x D tensor on any device (not modified).</summary>
    public Tensor PredictTensor(Tensor data) => Evaluate(data, Output.Labels);

    /// <inheritdoc />
    public float[,] PredictProbabilities(Dataset data)
    {
        using var x = ToTensor(data);
        using var p = PredictProbabilitiesTensor(x);
        return TensorArrays.ToFloat2D(p);
    }

    /// <summary>Posterior probabilities (N x K, rows sum to 1) in the working precision on the model's device.</summary>
    public Tensor PredictProbabilitiesTensor(Tensor data) => Evaluate(data, Output.Probabilities);

    /// <inheritdoc />
    public double[] ScoreSamples(Dataset data)
    {
        using var x = ToTensor(data);
        using var s = ScoreSamplesTensor(x);
        return TensorArrays.ToDouble1D(s);
    }

    /// <summary>Per-row log-likelihood log p(x) (N, double) on the model's device.</summary>
    public Tensor ScoreSamplesTensor(Tensor data) => Evaluate(data, Output.LogLikelihood);

    /// <inheritdoc />
    public double Score(Dataset data) => ScoreSamples(data).Average();

    /// <inheritdoc />
    public double BayesianInformationCriterion(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return -2 * Score(data) * data.Rows + ParameterCount * Math.Log(data.Rows);
    }

    /// <inheritdoc />
    public double AkaikeInformationCriterion(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return -2 * Score(data) * data.Rows + 2.0 * ParameterCount;
    }

    /// <summary>
    /// Draws <paramref name="count"/> rows from the mixture (scikit-learn's <c>sample</c>): component counts from a
    /// multinomial on the weights, rows grouped by component. The same seed gives the same rows; null draws a seed.
    /// </summary>
    public (double[,] Samples, int[] Components) Sample(int count, int? seed = null)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        using var rng = new RandomSource(seed);
        var w = Weights;
        var counts = new int[Clusters];
        for (int i = 0; i < count; i++)
        {
            double u = rng.Random.NextDouble(), acc = 0;
            int k = 0;
            for (; k < Clusters - 1; k++) { acc += w[k]; if (u < acc) break; }
            counts[k]++;
        }
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        var componentOf = new int[count];
        int at = 0;
        for (int k = 0; k < Clusters; k++)
        {
            if (counts[k] == 0) continue;
            var z = rng.Normal(new long[] { counts[k], Features }, CPU, ScalarType.Float64);
            var mean = (_means[k] + _center).cpu();
            Tensor x = Covariance switch
            {
                CovarianceType.Full => mean + z.matmul(linalg.cholesky(_covariances[k].cpu()).t()),
                CovarianceType.Tied => mean + z.matmul(linalg.cholesky(_covariances.cpu()).t()),
                CovarianceType.Diagonal => mean + z * _covariances[k].cpu().sqrt(),
                _ => mean + z * _covariances[k].cpu().sqrt(),
            };
            parts.Add(x);
            for (int i = 0; i < counts[k]; i++) componentOf[at++] = k;
        }
        return (TensorArrays.ToDouble2D(cat(parts, 0)), componentOf);
    }

    private enum Output { Labels, Probabilities, LogLikelihood }

    private Tensor Evaluate(Tensor data, Output output)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(data);
        if (data.dim() != 2) throw new ArgumentException($"data must be a 2-D tensor (rows x features); got {data.dim()} dimensions.", nameof(data));
        DataChecks.CheckWidth(data.shape[1], Features);
        DataChecks.CheckFinite(data);
        using var scope = NewDisposeScope();
        long n = data.shape[0];
        int chunkRows = Options.ChunkSize ?? GaussianMath.DefaultChunkRows(Covariance, Clusters, Features, Dtype == ScalarType.Float64 ? 8 : 4);
        Tensor result = output switch
        {
            Output.Labels => empty(n, dtype: ScalarType.Int64, device: Device),
            Output.Probabilities => empty(n, Clusters, dtype: Dtype, device: Device),
            _ => empty(n, dtype: ScalarType.Float64, device: Device),
        };
        for (long s = 0; s < n; s += chunkRows)
        {
            using var inner = NewDisposeScope();
            long len = Math.Min(chunkRows, n - s);
            var x = data.narrow(0, s, len).to(Dtype, Device) - _centerWorking;
            var w = _density.Evaluate(GaussianMath.Augment(Covariance, x));
            var target = result.narrow(0, s, len);
            // Rows whose log-density overflows for every component would get NaN posteriors (or label 0).
            if (output != Output.LogLikelihood && !w.amax(new long[] { 1 }).isfinite().all().item<bool>())
                throw new ClusteringNumericsException($"the log-densities of some rows overflow {Dtype} for every component (rows far outside the fitted components, or a damaged model); scale the data like the training data, or fit with Precision = Float64.");
            switch (output)
            {
                case Output.Labels: target.copy_(w.argmax(1)); break;
                case Output.Probabilities: target.copy_(w.softmax(1)); break;
                default: target.copy_(w.to(ScalarType.Float64).logsumexp(1)); break;
            }
        }
        return result.MoveToOuterDisposeScope();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Persistence

    /// <inheritdoc />
    public void Save(Stream destination)
    {
        ThrowIfDisposed();
        using var w = new ModelWriter(destination, ModelType, FormatVersion);
        w.Set("options", Options);
        w.Set("features", Features);
        w.Set("components", Clusters);
        w.Set("covariance", Covariance);
        w.Set("dtype", Dtype.ToString());
        FitSummaryRecord.Write(w, Summary);
        w.AddTensor("weights", _weights);
        w.AddTensor("means", _means);
        w.AddTensor("covariances", _covariances);
        w.AddTensor("precisions_cholesky", _precisionsCholesky);
        w.AddTensor("center", _center);
        using var scope = NewDisposeScope();
        if (Options.InitialWeights is { } iw) w.AddTensor("init/weights", TensorArrays.FromArray(iw, CPU));
        if (Options.InitialMeans is { } im) w.AddTensor("init/means", TensorArrays.FromArray(im, CPU));
        if (Options.InitialPrecisions is { } ip) w.AddTensor("init/precisions", TensorArrays.FromArray(ip, CPU));
    }

    /// <summary>Saves to a file (created or overwritten).</summary>
    public void Save(string path) => ModelFile.WriteFile(path, Save);

    /// <summary>Loads a model saved by <see cref="Save(Stream)"/>; a corrupt or foreign file raises <see cref="ModelFormatException"/>.</summary>
    /// <param name="source">Readable stream (left open).</param>
    /// <param name="device">Device for the model: "cpu", "cuda", "cuda:N" or "auto".</param>
    public static GaussianMixtureModel Load(Stream source, string device = "cpu") =>
        ModelFile.Read(source, ModelType, FormatVersion, reader => Load(reader, device));

    /// <summary>Loads a model from a file.</summary>
    public static GaussianMixtureModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    internal static GaussianMixtureModel Load(ModelReader r, string device)
    {
        r.Require(ModelType, FormatVersion);
        var dev = DeviceResolver.Resolve(device);
        var options = r.Get<GaussianMixtureOptions>("options");
        int d = r.Get<int>("features"), k = r.Get<int>("components");
        var type = r.Get<CovarianceType>("covariance");
        if (d < 1 || k < 1 || !Enum.IsDefined(type) || type != options.Covariance || k != options.Components)
            throw new ModelFormatException("GaussianMixture model file has inconsistent components, features or covariance type.");
        var dtypeName = r.Get<string>("dtype");
        if (dtypeName is not ("Float32" or "Float64")) throw new ModelFormatException($"GaussianMixture model file has an unknown dtype '{dtypeName}'.");
        var summary = FitSummaryRecord.Read(r);
        long[] covShape = type switch
        {
            CovarianceType.Full => new long[] { k, d, d },
            CovarianceType.Tied => new long[] { d, d },
            CovarianceType.Diagonal => new long[] { k, d },
            _ => new long[] { k },
        };
        if (r.HasTensor("init/weights") || r.HasTensor("init/means") || r.HasTensor("init/precisions"))
            options = options with
            {
                InitialWeights = r.HasTensor("init/weights") ? ReadArray(r, "init/weights") as double[] : null,
                InitialMeans = r.HasTensor("init/means") ? ReadArray(r, "init/means") as double[,] : null,
                InitialPrecisions = r.HasTensor("init/precisions") ? ReadArray(r, "init/precisions") : null,
            };
        using var scope = NewDisposeScope();
        var weights = r.GetTensor("weights", dev, new long[] { k });
        var means = r.GetTensor("means", dev, new long[] { k, d });
        var cov = r.GetTensor("covariances", dev, covShape);
        var pc = r.GetTensor("precisions_cholesky", dev, covShape);
        var center = r.GetTensor("center", dev, new long[] { d });
        foreach (var (name, t) in new[] { ("weights", weights), ("means", means), ("covariances", cov), ("precisions_cholesky", pc), ("center", center) })
        {
            if (t.dtype != ScalarType.Float64) throw new ModelFormatException($"GaussianMixture tensor '{name}' must be float64; got {t.dtype}.");
            if (!isfinite(t).all().item<bool>()) throw new ModelFormatException($"GaussianMixture tensor '{name}' holds non-finite values.");
        }
        if (weights.le(0).any().item<bool>() || Math.Abs(weights.sum().item<double>() - 1) > 1e-6)
            throw new ModelFormatException("GaussianMixture weights must be positive and sum to 1.");
        var diag = type is CovarianceType.Full or CovarianceType.Tied ? pc.diagonal(0, -2, -1) : pc;
        if (diag.le(0).any().item<bool>()) throw new ModelFormatException("GaussianMixture precision Cholesky factors must have a positive diagonal.");
        try { options.Validate(); }
        catch (ArgumentException e) { throw new ModelFormatException("GaussianMixture model file has invalid options: " + e.Message, e); }
        return new GaussianMixtureModel(options, weights, means, cov, pc, center, summary, Enum.Parse<ScalarType>(dtypeName), dev);
    }

    private static Array ReadArray(ModelReader r, string name)
    {
        using var t = r.GetTensor(name);
        return TensorArrays.ToArray(t);
    }

    /// <summary>Releases the model's tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _weights.Dispose(); _means.Dispose(); _covariances.Dispose(); _precisionsCholesky.Dispose(); _center.Dispose();
        _centerWorking.Dispose(); _density.Dispose();
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
