using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Persistence;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// A fitted Gaussian mixture: parameters in scikit-learn's shapes, prediction, soft assignments, per-row
/// log-likelihood, BIC/AIC, sampling, save and load. Owns tensors on its device: dispose it.
/// </summary>
public sealed class GaussianMixtureModel : MixtureModelBase, IDensityModel
{
    /// <summary>Model type name in model files.</summary>
    public const string ModelType = "GaussianMixture";
    private const int FormatVersion = 1;

    private readonly Tensor _weights, _means, _covariances, _precisionsCholesky;   // double; means centred
    private readonly GaussianLogDensity _density;

    internal GaussianMixtureModel(GaussianMixtureOptions options, Tensor weights, Tensor meansCentered, Tensor covariances,
        Tensor precisionsCholesky, Tensor center, FitSummary summary, ScalarType dtype, Device device)
        : base((int)meansCentered.shape[0], (int)meansCentered.shape[1], center, summary, dtype, device)
    {
        Options = options;
        Covariance = options.Covariance;
        var f64 = ScalarType.Float64;
        _weights = weights.to(f64, device).clone().DetachFromDisposeScope();
        _means = meansCentered.to(f64, device).clone().DetachFromDisposeScope();
        _covariances = covariances.to(f64, device).clone().DetachFromDisposeScope();
        _precisionsCholesky = precisionsCholesky.to(f64, device).clone().DetachFromDisposeScope();
        // Built exactly as during the fit (GaussianParameters), so Predict repeats the final E-step bit for bit.
        using (var logW = _weights.log())
            _density = GaussianLogDensity.Create(Covariance, _means, _precisionsCholesky, logW, dtype);
    }

    /// <summary>The options the model was fitted with.</summary>
    public GaussianMixtureOptions Options { get; }

    /// <summary>Covariance type.</summary>
    public CovarianceType Covariance { get; }

    /// <summary>Number of components (same as <see cref="MixtureModelBase.Clusters"/>).</summary>
    public int Components => Clusters;

    /// <summary>Mixing weights (K).</summary>
    public double[] Weights { get { ThrowIfDisposed(); return TensorArrays.ToDouble1D(_weights); } }

    /// <summary>Component means (K x D).</summary>
    public double[,] Means
    {
        get
        {
            ThrowIfDisposed();
            using var m = _means + Center;
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

    /// <summary>Posterior probabilities (N x K, rows sum to 1) in the working precision on the model's device.</summary>
    public Tensor PredictProbabilitiesTensor(Tensor data) => Evaluate(data, ChunkOutput.Probabilities);

    /// <inheritdoc />
    public double[] ScoreSamples(Dataset data) => EvaluateDouble1D(data, ChunkOutput.LogLikelihood);

    /// <summary>Per-row log-likelihood log p(x) (N, double) on the model's device.</summary>
    public Tensor ScoreSamplesTensor(Tensor data) => Evaluate(data, ChunkOutput.LogLikelihood);

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
            var mean = (_means[k] + Center).cpu();
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

    private protected override int ChunkRows => Options.ChunkSize ?? GaussianMath.DefaultChunkRows(Covariance, Clusters, Features, ElementBytes);

    private protected override Tensor EvaluateChunk(Tensor x, ChunkOutput output) =>
        FromWeightedLogProbabilities(_density.Evaluate(GaussianMath.Augment(Covariance, x)), output);

    // ---------------------------------------------------------------------------------------------------------
    // Persistence

    private protected override (string ModelType, int Version) FileFormat => (ModelType, FormatVersion);

    private protected override void WriteState(ModelWriter w)
    {
        WriteHeader(w, Options, "components", Covariance);
        FitSummaryRecord.Write(w, Summary);
        w.AddTensor("weights", _weights);
        w.AddTensor("means", _means);
        w.AddTensor("covariances", _covariances);
        w.AddTensor("precisions_cholesky", _precisionsCholesky);
        w.AddTensor("center", Center);
        using var scope = NewDisposeScope();
        if (Options.InitialWeights is { } iw) w.AddTensor("init/weights", TensorArrays.FromArray(iw, CPU));
        if (Options.InitialMeans is { } im) w.AddTensor("init/means", TensorArrays.FromArray(im, CPU));
        if (Options.InitialPrecisions is { } ip) w.AddTensor("init/precisions", TensorArrays.FromArray(ip, CPU));
    }

    /// <summary>Loads a model saved by <see cref="MixtureModelBase.Save(Stream)"/>; a corrupt or foreign file raises <see cref="ModelFormatException"/>.</summary>
    /// <param name="source">Readable stream (left open).</param>
    /// <param name="device">Device for the model: "cpu", "cuda", "cuda:N" or "auto".</param>
    public static GaussianMixtureModel Load(Stream source, string device = "cpu") =>
        ModelFile.Read(source, ModelType, FormatVersion, reader => Load(reader, device));

    /// <summary>Loads a model from a file.</summary>
    public static GaussianMixtureModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    internal static GaussianMixtureModel Load(ModelReader r, string device)
    {
        var (dev, options, d, k) = ReadHeader<GaussianMixtureOptions>(r, (ModelType, FormatVersion), device, "components");
        var type = ReadCovariance(r, options, d, k, "GaussianMixture model file");
        var dtype = ReadDtype(r, "GaussianMixture model file");
        var summary = FitSummaryRecord.Read(r);
        var covShape = GaussianMath.CovarianceShape(type, k, d);
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
        CheckFiniteFloat64("GaussianMixture", ("weights", weights), ("means", means), ("covariances", cov), ("precisions_cholesky", pc), ("center", center));
        if (weights.le(0).any().item<bool>() || Math.Abs(weights.sum().item<double>() - 1) > 1e-6)
            throw new ModelFormatException("GaussianMixture weights must be positive and sum to 1.");
        GaussianMath.CheckCholeskyDiagonal(type, pc, "GaussianMixture");
        ValidateOptions(options, "GaussianMixture model file");
        return new GaussianMixtureModel(options, weights, means, cov, pc, center, summary, dtype, dev);
    }

    private protected override void DisposeState()
    {
        _weights.Dispose(); _means.Dispose(); _covariances.Dispose(); _precisionsCholesky.Dispose(); _density.Dispose();
    }
}
