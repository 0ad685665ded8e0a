using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Persistence;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// A fitted variational Dirichlet-process Gaussian mixture: the learned number of clusters
/// (<see cref="EffectiveClusters"/>), expected weights, posterior means and expected covariances in
/// scikit-learn's shapes, the variational posteriors, prediction over all T components, save and load. The
/// lower bound of every iteration is <see cref="FitSummary.ObjectiveHistory"/>. Owns tensors: dispose it.
/// </summary>
public sealed class DirichletProcessGaussianMixtureModel : MixtureModelBase
{
    /// <summary>Model type name in model files.</summary>
    public const string ModelType = "DirichletProcessGaussianMixture";
    private const int FormatVersion = 1;
    private const string What = "DirichletProcessGaussianMixture model file";

    private readonly BayesianMixtureParameters _p;     // centred coordinates, double

    internal DirichletProcessGaussianMixtureModel(DirichletProcessGaussianMixtureOptions options, BayesianMixtureParameters parameters, Tensor center,
        FitSummary summary, ScalarType dtype, Device device, double dataWeight)
        : base(parameters.Components, parameters.Features, center, summary, dtype, device)
    {
        Options = options; DataWeight = dataWeight;
        var f64 = ScalarType.Float64;
        using (var scope = NewDisposeScope())
            _p = new BayesianMixtureParameters(parameters.Priors, (double[])parameters.ConcentrationA.Clone(), (double[])parameters.ConcentrationB.Clone(),
                (double[])parameters.MeanPrecision.Clone(), (double[])parameters.DegreesOfFreedom.Clone(),
                parameters.Means.to(f64, device).clone(), parameters.Covariances.to(f64, device).clone(),
                parameters.PrecisionsCholesky.to(f64, device).clone(), dtype);
        var weights = _p.Weights;
        ActiveComponents = Enumerable.Range(0, weights.Length).Where(k => weights[k] > options.EffectiveWeightThreshold)
            .OrderByDescending(k => weights[k]).ToArray();
        Outcome = DirichletProcessDiagnostics.Classify(ActiveComponents.Count, Clusters);
    }

    /// <summary>The options the model was fitted with.</summary>
    public DirichletProcessGaussianMixtureOptions Options { get; }

    /// <summary>Covariance type.</summary>
    public CovarianceType Covariance => _p.Covariance;

    /// <summary>The truncation level T (number of components, used or not; same as <see cref="MixtureModelBase.Clusters"/>).</summary>
    public int Truncation => Clusters;

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
            using var m = _p.Means + Center;
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
            var c = TensorArrays.ToDouble1D(Center);
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

    /// <summary>Responsibilities (N x T, rows sum to 1) in the working precision on the model's device.</summary>
    public Tensor PredictProbabilitiesTensor(Tensor data) => Evaluate(data, ChunkOutput.Probabilities);

    /// <summary>
    /// log Σ_k exp(E[log π_k] + E[log N(x | μ_k, Λ_k)]) per row (scikit-learn's <c>score_samples</c> of this model):
    /// the variational normaliser of the responsibilities, not a normalised density.
    /// </summary>
    public double[] ScoreSamples(Dataset data) => EvaluateDouble1D(data, ChunkOutput.LogLikelihood);

    private protected override int ChunkRows => Options.ChunkSize ?? GaussianMath.DefaultChunkRows(Covariance, Clusters, Features, ElementBytes);

    private protected override Tensor EvaluateChunk(Tensor x, ChunkOutput output) =>
        FromWeightedLogProbabilities(_p.Density.Evaluate(GaussianMath.Augment(Covariance, x)), output);

    // ---------------------------------------------------------------------------------------------------------
    // Persistence

    private protected override (string ModelType, int Version) FileFormat => (ModelType, FormatVersion);

    private protected override void WriteState(ModelWriter w)
    {
        WriteHeader(w, Options, "components", Covariance);
        w.Set("dataWeight", DataWeight);
        FitSummaryRecord.Write(w, Summary);
        w.Set("priors", new PriorRecord(_p.Priors.WeightConcentration, _p.Priors.MeanPrecision, _p.Priors.Mean, _p.Priors.DegreesOfFreedom,
            _p.Priors.CovarianceValues));
        w.Set("posterior", new PosteriorRecord(_p.ConcentrationA, _p.ConcentrationB, _p.MeanPrecision, _p.DegreesOfFreedom));
        w.AddTensor("means", _p.Means);
        w.AddTensor("covariances", _p.Covariances);
        w.AddTensor("precisions_cholesky", _p.PrecisionsCholesky);
        w.AddTensor("center", Center);
        using var scope = NewDisposeScope();
        if (Options.MeanPrior is { } mp) w.AddTensor("options/mean_prior", TensorArrays.FromArray(mp, CPU));
        if (Options.CovariancePrior is { } cp) w.AddTensor("options/covariance_prior", TensorArrays.FromArray(cp, CPU));
    }

    /// <summary>Loads a model saved by <see cref="MixtureModelBase.Save(Stream)"/>; a corrupt or foreign file raises <see cref="ModelFormatException"/>.</summary>
    /// <param name="source">Readable stream (left open).</param>
    /// <param name="device">Device for the model: "cpu", "cuda", "cuda:N" or "auto".</param>
    public static DirichletProcessGaussianMixtureModel Load(Stream source, string device = "cpu") =>
        ModelFile.Read(source, ModelType, FormatVersion, reader => Load(reader, device));

    /// <summary>Loads a model from a file.</summary>
    public static DirichletProcessGaussianMixtureModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    internal static DirichletProcessGaussianMixtureModel Load(ModelReader r, string device)
    {
        var (dev, options, d, k) = ReadHeader<DirichletProcessGaussianMixtureOptions>(r, (ModelType, FormatVersion), device, "components");
        var type = ReadCovariance(r, options, d, k, What);
        var dtype = ReadDtype(r, What);
        var summary = FitSummaryRecord.Read(r);
        var pr = r.Get<PriorRecord>("priors");
        var post = r.Get<PosteriorRecord>("posterior");
        int covValues = type switch { CovarianceType.Full or CovarianceType.Tied => d * d, CovarianceType.Diagonal => d, _ => 1 };
        bool finite(double[]? a, int n) => a is not null && a.Length == n && a.All(double.IsFinite);
        if (!finite(pr.Mean, d) || !finite(pr.Covariance, covValues) || !(pr.WeightConcentration > 0) || !(pr.MeanPrecision > 0) || !(pr.DegreesOfFreedom > d - 1))
            throw new ModelFormatException($"{What} has invalid priors.");
        if (!finite(post.A, k) || !finite(post.B, k) || !finite(post.MeanPrecision, k) || !finite(post.DegreesOfFreedom, k)
            || post.A!.Any(v => v <= 0) || post.B!.Any(v => v <= 0) || post.MeanPrecision!.Any(v => v <= 0) || post.DegreesOfFreedom!.Any(v => v <= d - 1))
            throw new ModelFormatException($"{What} has invalid posterior parameters.");
        if (r.HasTensor("options/mean_prior") || r.HasTensor("options/covariance_prior"))
            options = options with
            {
                MeanPrior = r.HasTensor("options/mean_prior") ? ReadArray(r, "options/mean_prior") as double[] : null,
                CovariancePrior = r.HasTensor("options/covariance_prior") ? ReadArray(r, "options/covariance_prior") : null,
            };
        ValidateOptions(options, What);
        var covShape = GaussianMath.CovarianceShape(type, k, d);
        using var scope = NewDisposeScope();
        var means = r.GetTensor("means", dev, new long[] { k, d });
        var cov = r.GetTensor("covariances", dev, covShape);
        var pc = r.GetTensor("precisions_cholesky", dev, covShape);
        var center = r.GetTensor("center", dev, new long[] { d });
        CheckFiniteFloat64(What + ":", ("means", means), ("covariances", cov), ("precisions_cholesky", pc), ("center", center));
        GaussianMath.CheckCholeskyDiagonal(type, pc, What + ":");
        var priors = new BayesianMixturePriors(type, pr.WeightConcentration, pr.MeanPrecision, pr.Mean!, pr.DegreesOfFreedom, pr.Covariance!);
        double dataWeight = r.GetOptional<double?>("dataWeight") ?? 1.0;
        if (!(dataWeight > 0 && dataWeight <= 1)) throw new ModelFormatException($"{What} has an invalid data weight {dataWeight}.");
        using var p = new BayesianMixtureParameters(priors, post.A!, post.B!, post.MeanPrecision!, post.DegreesOfFreedom!, means, cov, pc, dtype);
        return new DirichletProcessGaussianMixtureModel(options, p, center, summary, dtype, dev, dataWeight);
    }

    private sealed record PriorRecord(double WeightConcentration, double MeanPrecision, double[]? Mean, double DegreesOfFreedom, double[]? Covariance);

    private sealed record PosteriorRecord(double[]? A, double[]? B, double[]? MeanPrecision, double[]? DegreesOfFreedom);

    private protected override void DisposeState() => _p.Dispose();
}
