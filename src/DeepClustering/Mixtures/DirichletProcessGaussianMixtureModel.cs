using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// A fitted variational Dirichlet-process Gaussian mixture: the learned number of clusters
/// (<see cref="EffectiveClusters"/>), expected weights, posterior means and expected covariances in
/// scikit-learn's shapes, the variational posteriors, prediction over all T components, save and load. The
/// lower bound of every iteration is <see cref="FitSummary.ObjectiveHistory"/>. Owns tensors: dispose it.
/// </summary>
public sealed class DirichletProcessGaussianMixtureModel : IClusteringModel
{
    /// <summary>Model type name in model files.</summary>
    public const string ModelType = "DirichletProcessGaussianMixture";
    private const int FormatVersion = 1;

    private readonly BayesianMixtureParameters _p;     // centred coordinates, double
    private readonly Tensor _center, _centerWorking;
    private bool _disposed;

    internal DirichletProcessGaussianMixtureModel(DirichletProcessGaussianMixtureOptions options, BayesianMixtureParameters parameters, Tensor center,
        FitSummary summary, ScalarType dtype, Device device, double dataWeight)
    {
        Options = options; Summary = summary; Dtype = dtype; Device = device; DataWeight = dataWeight;
        var f64 = ScalarType.Float64;
        using (var scope = NewDisposeScope())
            _p = new BayesianMixtureParameters(parameters.Priors, (double[])parameters.ConcentrationA.Clone(), (double[])parameters.ConcentrationB.Clone(),
                (double[])parameters.MeanPrecision.Clone(), (double[])parameters.DegreesOfFreedom.Clone(),
                parameters.Means.to(f64, device).clone(), parameters.Covariances.to(f64, device).clone(),
                parameters.PrecisionsCholesky.to(f64, device).clone(), dtype);
        _center = center.to(f64, device).clone().DetachFromDisposeScope();
        _centerWorking = _center.to(dtype).DetachFromDisposeScope();
        var weights = _p.Weights;
        ActiveComponents = Enumerable.Range(0, weights.Length).Where(k => weights[k] > options.EffectiveWeightThreshold)
            .OrderByDescending(k => weights[k]).ToArray();
        Outcome = DirichletProcessDiagnostics.Classify(ActiveComponents.Count, Clusters);
    }

    /// <summary>The options the model was fitted with.</summary>
    public DirichletProcessGaussianMixtureOptions Options { get; }

    /// <summary>Covariance type.</summary>
    public CovarianceType Covariance => _p.Covariance;

    /// <summary>The truncation level T (number of components, used or not).</summary>
    public int Clusters => _p.Components;

    /// <summary>The truncation level T (same as <see cref="Clusters"/>).</summary>
    public int Truncation => Clusters;

    /// <inheritdoc />
    public int Features => _p.Features;

    /// <inheritdoc />
    public FitSummary Summary { get; }

    /// <summary>Working precision of predictions.</summary>
    public ScalarType Dtype { get; }

    /// <summary>Device of the model's tensors.</summary>
    public Device Device { get; }

    /// <summary>
    /// The learned number of clusters: components whose expected weight exceeds
    /// <see cref="DirichletProcessGaussianMixtureOptions.EffectiveWeightThreshold"/>.
    /// </summary>
    public int EffectiveClusters => ActiveComponents.Count;

    /// <summary>Indices of the components that count as clusters, by decreasing weight.</summary>
    public IReadOnlyList<int> ActiveComponents { get; }

    /// <summary>Whether components were pruned, or the fit collapsed to one component or pruned nothing (see <see cref="FitSummary.Warnings"/>).</summary>
    public DirichletProcessOutcome Outcome { get; }

    /// <summary>ζ, the weight each training row had in the posterior (1 unless <see cref="DirichletProcessGaussianMixtureOptions.EffectiveSampleSize"/> was below the row count).</summary>
    public double DataWeight { get; }

    /// <summary>The variational lower bound after the last iteration (a total over the rows, up to a constant).</summary>
    public double LowerBound => Summary.FinalObjective;

    /// <summary>Expected mixing weights (T), summing to 1.</summary>
    public double[] Weights => (double[])_p.Weights.Clone();

    /// <summary>Posterior Beta(a_k, b_k) of the sticks (scikit-learn's <c>weight_concentration_</c>).</summary>
    public (double[] A, double[] B) WeightConcentration => ((double[])_p.ConcentrationA.Clone(), (double[])_p.ConcentrationB.Clone());

    /// <summary>κ_k, the precisions of the posterior means (scikit-learn's <c>mean_precision_</c>).</summary>
    public double[] MeanPrecision => (double[])_p.MeanPrecision.Clone();

    /// <summary>ν_k, the Wishart degrees of freedom (T values; equal for tied covariances, where scikit-learn keeps one number).</summary>
    public double[] DegreesOfFreedom => (double[])_p.DegreesOfFreedom.Clone();

    /// <summary>Posterior means (T x D).</summary>
    public double[,] Means
    {
        get
        {
            ThrowIfDisposed();
            using var m = _p.Means + _center;
            return TensorArrays.ToDouble2D(m);
        }
    }

    /// <summary>Expected covariances in scikit-learn's shape: Full double[T, D, D], Tied double[D, D], Diagonal double[T, D], Spherical double[T].</summary>
    public Array Covariances { get { ThrowIfDisposed(); return TensorArrays.ToArray(_p.Covariances); } }

    /// <summary>Precision Cholesky factors, shaped as <see cref="Covariances"/>.</summary>
    public Array PrecisionsCholesky { get { ThrowIfDisposed(); return TensorArrays.ToArray(_p.PrecisionsCholesky); } }

    /// <summary>Precisions (inverse expected covariances), shaped as <see cref="Covariances"/>.</summary>
    public Array Precisions
    {
        get
        {
            ThrowIfDisposed();
            using var p = GaussianMath.PrecisionsFromCholesky(Covariance, _p.PrecisionsCholesky);
            return TensorArrays.ToArray(p);
        }
    }

    /// <summary>α₀ used by the fit.</summary>
    public double WeightConcentrationPrior => _p.Priors.WeightConcentration;

    /// <summary>κ₀ used by the fit.</summary>
    public double MeanPrecisionPrior => _p.Priors.MeanPrecision;

    /// <summary>ν₀ used by the fit.</summary>
    public double DegreesOfFreedomPrior => _p.Priors.DegreesOfFreedom;

    /// <summary>m₀ used by the fit (D, data coordinates).</summary>
    public double[] MeanPrior
    {
        get
        {
            ThrowIfDisposed();
            var c = TensorArrays.ToDouble1D(_center);
            return _p.Priors.Mean.Select((v, j) => v + c[j]).ToArray();
        }
    }

    /// <summary>Covariance prior used by the fit: Full/Tied double[D, D], Diagonal double[D], Spherical double[1].</summary>
    public Array CovariancePrior
    {
        get
        {
            var v = _p.Priors.CovarianceValues;
            if (Covariance is not (CovarianceType.Full or CovarianceType.Tied)) return (double[])v.Clone();
            int d = Features;
            var a = new double[d, d];
            Buffer.BlockCopy(v, 0, a, 0, v.Length * sizeof(double));
            return a;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Prediction

    /// <summary>Most probable component per row (0..T−1; in practice one of <see cref="ActiveComponents"/>).</summary>
    public int[] Predict(Dataset data)
    {
        using var x = ToTensor(data);
        using var labels = PredictTensor(x);
        return TensorArrays.ToInt(labels);
    }

    /// <summary>Most probable component per row (int64, N) on the model's device, for an N x D tensor on any device (not modified).</summary>
    public Tensor PredictTensor(Tensor data) => Evaluate(data, Output.Labels);

    /// <summary>Variational posterior responsibilities (N x T); each row sums to 1.</summary>
    public float[,] PredictProbabilities(Dataset data)
    {
        using var x = ToTensor(data);
        using var p = PredictProbabilitiesTensor(x);
        return TensorArrays.ToFloat2D(p);
    }

    /// <summary>Responsibilities (N x T, rows sum to 1) in the working precision on the model's device.</summary>
    public Tensor PredictProbabilitiesTensor(Tensor data) => Evaluate(data, Output.Probabilities);

    /// <summary>
    /// log Σ_k exp(E[log π_k] + E[log N(x | μ_k, Λ_k)]) per row (scikit-learn's <c>score_samples</c> of this model):
    /// the variational normaliser of the responsibilities, not a normalised density.
    /// </summary>
    public double[] ScoreSamples(Dataset data)
    {
        using var x = ToTensor(data);
        using var s = Evaluate(x, Output.LogNormalizer);
        return TensorArrays.ToDouble1D(s);
    }

    private enum Output { Labels, Probabilities, LogNormalizer }

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
            var w = _p.Density.Evaluate(GaussianMath.Augment(Covariance, x));
            var target = result.narrow(0, s, len);
            // Rows whose log-density overflows for every component would get NaN posteriors (or label 0).
            if (output != Output.LogNormalizer && !w.amax(new long[] { 1 }).isfinite().all().item<bool>())
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
        w.Set("dataWeight", DataWeight);
        FitSummaryRecord.Write(w, Summary);
        w.Set("priors", new PriorRecord(_p.Priors.WeightConcentration, _p.Priors.MeanPrecision, _p.Priors.Mean, _p.Priors.DegreesOfFreedom,
            _p.Priors.CovarianceValues));
        w.Set("posterior", new PosteriorRecord(_p.ConcentrationA, _p.ConcentrationB, _p.MeanPrecision, _p.DegreesOfFreedom));
        w.AddTensor("means", _p.Means);
        w.AddTensor("covariances", _p.Covariances);
        w.AddTensor("precisions_cholesky", _p.PrecisionsCholesky);
        w.AddTensor("center", _center);
        using var scope = NewDisposeScope();
        if (Options.MeanPrior is { } mp) w.AddTensor("options/mean_prior", TensorArrays.FromArray(mp, CPU));
        if (Options.CovariancePrior is { } cp) w.AddTensor("options/covariance_prior", TensorArrays.FromArray(cp, CPU));
    }

    /// <summary>Saves to a file (created or overwritten).</summary>
    public void Save(string path) => ModelFile.WriteFile(path, Save);

    /// <summary>Loads a model saved by <see cref="Save(Stream)"/>; a corrupt or foreign file raises <see cref="ModelFormatException"/>.</summary>
    /// <param name="source">Readable stream (left open).</param>
    /// <param name="device">Device for the model: "cpu", "cuda", "cuda:N" or "auto".</param>
    public static DirichletProcessGaussianMixtureModel Load(Stream source, string device = "cpu") =>
        ModelFile.Read(source, ModelType, FormatVersion, reader => Load(reader, device));

    /// <summary>Loads a model from a file.</summary>
    public static DirichletProcessGaussianMixtureModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    internal static DirichletProcessGaussianMixtureModel Load(ModelReader r, string device)
    {
        const string what = "DirichletProcessGaussianMixture model file";
        r.Require(ModelType, FormatVersion);
        var dev = DeviceResolver.Resolve(device);
        var options = r.Get<DirichletProcessGaussianMixtureOptions>("options");
        int d = r.Get<int>("features"), k = r.Get<int>("components");
        var type = r.Get<CovarianceType>("covariance");
        if (d < 1 || k < 1 || !Enum.IsDefined(type) || type != options.Covariance || k != options.Components)
            throw new ModelFormatException($"{what} has inconsistent components, features or covariance type.");
        var dtypeName = r.Get<string>("dtype");
        if (dtypeName is not ("Float32" or "Float64")) throw new ModelFormatException($"{what} has an unknown dtype '{dtypeName}'.");
        var summary = FitSummaryRecord.Read(r);
        var pr = r.Get<PriorRecord>("priors");
        var post = r.Get<PosteriorRecord>("posterior");
        int covValues = type switch { CovarianceType.Full or CovarianceType.Tied => d * d, CovarianceType.Diagonal => d, _ => 1 };
        bool finite(double[]? a, int n) => a is not null && a.Length == n && a.All(double.IsFinite);
        if (!finite(pr.Mean, d) || !finite(pr.Covariance, covValues) || !(pr.WeightConcentration > 0) || !(pr.MeanPrecision > 0) || !(pr.DegreesOfFreedom > d - 1))
            throw new ModelFormatException($"{what} has invalid priors.");
        if (!finite(post.A, k) || !finite(post.B, k) || !finite(post.MeanPrecision, k) || !finite(post.DegreesOfFreedom, k)
            || post.A!.Any(v => v <= 0) || post.B!.Any(v => v <= 0) || post.MeanPrecision!.Any(v => v <= 0) || post.DegreesOfFreedom!.Any(v => v <= d - 1))
            throw new ModelFormatException($"{what} has invalid posterior parameters.");
        if (r.HasTensor("options/mean_prior") || r.HasTensor("options/covariance_prior"))
            options = options with
            {
                MeanPrior = r.HasTensor("options/mean_prior") ? ReadArray(r, "options/mean_prior") as double[] : null,
                CovariancePrior = r.HasTensor("options/covariance_prior") ? ReadArray(r, "options/covariance_prior") : null,
            };
        try { options.Validate(); }
        catch (ArgumentException e) { throw new ModelFormatException($"{what} has invalid options: " + e.Message, e); }
        long[] covShape = type switch
        {
            CovarianceType.Full => new long[] { k, d, d },
            CovarianceType.Tied => new long[] { d, d },
            CovarianceType.Diagonal => new long[] { k, d },
            _ => new long[] { k },
        };
        using var scope = NewDisposeScope();
        var means = r.GetTensor("means", dev, new long[] { k, d });
        var cov = r.GetTensor("covariances", dev, covShape);
        var pc = r.GetTensor("precisions_cholesky", dev, covShape);
        var center = r.GetTensor("center", dev, new long[] { d });
        foreach (var (name, t) in new[] { ("means", means), ("covariances", cov), ("precisions_cholesky", pc), ("center", center) })
        {
            if (t.dtype != ScalarType.Float64) throw new ModelFormatException($"{what}: tensor '{name}' must be float64; got {t.dtype}.");
            if (!isfinite(t).all().item<bool>()) throw new ModelFormatException($"{what}: tensor '{name}' holds non-finite values.");
        }
        var diag = type is CovarianceType.Full or CovarianceType.Tied ? pc.diagonal(0, -2, -1) : pc;
        if (diag.le(0).any().item<bool>()) throw new ModelFormatException($"{what}: precision Cholesky factors must have a positive diagonal.");
        var priors = new BayesianMixturePriors(type, pr.WeightConcentration, pr.MeanPrecision, pr.Mean!, pr.DegreesOfFreedom, pr.Covariance!);
        var dtype = Enum.Parse<ScalarType>(dtypeName);
        double dataWeight = r.GetOptional<double?>("dataWeight") ?? 1.0;
        if (!(dataWeight > 0 && dataWeight <= 1)) throw new ModelFormatException($"{what} has an invalid data weight {dataWeight}.");
        using var p = new BayesianMixtureParameters(priors, post.A!, post.B!, post.MeanPrecision!, post.DegreesOfFreedom!, means, cov, pc, dtype);
        return new DirichletProcessGaussianMixtureModel(options, p, center, summary, dtype, dev, dataWeight);
    }

    private static Array ReadArray(ModelReader r, string name)
    {
        using var t = r.GetTensor(name);
        return TensorArrays.ToArray(t);
    }

    private sealed record PriorRecord(double WeightConcentration, double MeanPrecision, double[]? Mean, double DegreesOfFreedom, double[]? Covariance);

    private sealed record PosteriorRecord(double[]? A, double[]? B, double[]? MeanPrecision, double[]? DegreesOfFreedom);

    /// <summary>Releases the model's tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _p.Dispose(); _center.Dispose(); _centerWorking.Dispose();
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
