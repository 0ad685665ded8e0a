using DeepClustering.Mixtures;
using DeepClustering.Persistence;
using DeepClustering.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// The latent Dirichlet-process mixture of <see cref="DeepDirichletProcessMixture"/>: T Gaussian components with full
/// covariances (posterior means, expected covariances, their precision Cholesky factors and the E-step offsets of
/// the variational DP-GMM fitted on the codes) and a mask of the components that survived pruning. Its soft assignments are the variational E-step
/// over the active components, so pruned components get probability 0. Everything is a registered buffer (no
/// trainable parameters): the pipeline saves and loads it with the network.
/// </summary>
public sealed class DeepDirichletProcessHead : DeepClusteringHead
{
    private readonly int truncation, latentSize;

    /// <summary>Builds an empty head (all components active, unit variances) on the CPU; the fit fills it.</summary>
    /// <param name="latentSize">Width of the codes d.</param>
    /// <param name="truncation">Truncation level T.</param>
    public DeepDirichletProcessHead(int latentSize, int truncation) : base(nameof(DeepDirichletProcessHead))
    {
        this.truncation = truncation;
        this.latentSize = latentSize;
        // Buffers only (looked up by name: moving the module to a device replaces them).
        register_buffer("means", zeros(truncation, latentSize));
        register_buffer("covariances", eye(latentSize).expand(truncation, latentSize, latentSize).contiguous());
        register_buffer("precisionsCholesky", eye(latentSize).expand(truncation, latentSize, latentSize).contiguous());
        register_buffer("bias", zeros(truncation));
        register_buffer("active", ones(truncation));
        register_buffer("weights", full(truncation, 1.0f / truncation));
        register_buffer("logweights", full(truncation, -(float)Math.Log(truncation)));
        RegisterComponents();
    }

    /// <summary>The truncation level T (columns of <see cref="Probabilities"/>).</summary>
    public override int Clusters => truncation;

    /// <summary>Width of the codes.</summary>
    public int LatentSize => latentSize;

    /// <summary>Component means (T x d); those of pruned components are stale.</summary>
    public Tensor Means => GetBuffer("means");

    /// <summary>Expected covariances of the components (T x d x d; identity for pruned slots).</summary>
    public Tensor Covariances => GetBuffer("covariances");

    /// <summary>Precision Cholesky factors P_t of the components (P Pᵀ = Σ⁻¹; T x d x d).</summary>
    public Tensor PrecisionsCholesky => GetBuffer("precisionsCholesky");

    /// <summary>Per-component log-density offset of the E-step (expected log weight, expected log-determinant, ...), T.</summary>
    public Tensor Bias => GetBuffer("bias");

    /// <summary>1 for components that survived pruning, 0 for pruned ones (T).</summary>
    public Tensor Active => GetBuffer("active");

    /// <summary>Expected mixing weights (T), 0 for pruned components.</summary>
    public Tensor Weights => GetBuffer("weights");

    /// <summary>Expected log mixing weights E[log π_t] under the stick posteriors (T), 0 for pruned components.</summary>
    public Tensor LogWeights => GetBuffer("logweights");

    /// <summary>Number of components that survived pruning (the learned number of clusters).</summary>
    public int EffectiveClusters
    {
        get
        {
            using var s = Active.sum();
            return (int)Math.Round(s.item<float>());
        }
    }

    /// <summary>Variational responsibilities over the active components (B x T; pruned columns are 0).</summary>
    public override Tensor Probabilities(Tensor inputs, Tensor codes) => LogResponsibilities(codes).exp();

    /// <summary>log responsibilities (B x T; −∞ for pruned components).</summary>
    public Tensor LogResponsibilities(Tensor codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        using var scope = NewDisposeScope();
        var diff = codes.to(Means.dtype).unsqueeze(1) - Means.unsqueeze(0);            // B x T x d
        var whitened = einsum("btd,tde->bte", diff, PrecisionsCholesky);
        var logits = Bias - 0.5 * whitened.square().sum(-1);
        logits = logits.masked_fill(Active.eq(0).unsqueeze(0), double.NegativeInfinity);
        return logits.log_softmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Copies the given components of a fitted latent DP mixture (full covariances, in code coordinates) into the slots
    /// <paramref name="slots"/>; every other slot is marked pruned.
    /// </summary>
    internal void SetComponents(DirichletProcessGaussianMixtureModel mixture, IReadOnlyList<int> components, IReadOnlyList<int> slots)
    {
        if (mixture.Covariance != CovarianceType.Full) throw new ArgumentException("the latent mixture must have full covariances.", nameof(mixture));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var device = Means.device;
        var dtype = Means.dtype;
        int t = mixture.Clusters, d = latentSize;
        var f64 = ScalarType.Float64;
        var mu = tensor(((double[,])mixture.Means).Cast<double>().ToArray(), new long[] { t, d }, f64);
        var cov = tensor(((double[,,])mixture.Covariances).Cast<double>().ToArray(), new long[] { t, d, d }, f64);
        var pc = tensor(((double[,,])mixture.PrecisionsCholesky).Cast<double>().ToArray(), new long[] { t, d, d }, f64);
        var (a, b) = mixture.WeightConcentration;
        var logW = BayesianMixtureMath.ExpectedLogWeights(a, b);
        var offsets = BayesianMixtureMath.LogProbabilityOffsets(mixture.DegreesOfFreedom, mixture.MeanPrecision, d);
        var w = mixture.Weights;
        // The E-step's per-component constant: E[log π] + offsets + log det P − ½ d log 2π.
        var logDet = GaussianMath.ComputeLogDetCholesky(CovarianceType.Full, pc, d) - 0.5 * d * GaussianMath.Log2Pi;
        var fullBias = tensor(logW.Select((v, k) => v + offsets[k]).ToArray(), dtype: f64) + logDet;
        var idx = tensor(components.Select(c => (long)c).ToArray());
        var slotIdx = tensor(slots.Select(s => (long)s).ToArray(), device: device);
        Tensor Pick(Tensor x) => x.index_select(0, idx).to(dtype, device);
        Means.zero_().index_copy_(0, slotIdx, Pick(mu));
        var identity = eye(d, dtype: dtype, device: device);
        Covariances.copy_(identity.expand(truncation, d, d)).index_copy_(0, slotIdx, Pick(cov));
        PrecisionsCholesky.copy_(identity.expand(truncation, d, d)).index_copy_(0, slotIdx, Pick(pc));
        Bias.zero_().index_copy_(0, slotIdx, Pick(fullBias));
        Active.zero_().index_fill_(0, slotIdx, 1);
        Weights.zero_().index_copy_(0, slotIdx, Pick(tensor(w, dtype: f64)));
        LogWeights.zero_().index_copy_(0, slotIdx, Pick(tensor(logW, dtype: f64)));
    }

    /// <summary>Number of active components after the initial fit and after every epoch's re-fit (the last entry is the final one).</summary>
    public IReadOnlyList<int> EffectiveClustersHistory => History;

    internal List<int> History { get; } = new();

    internal const string HistoryKey = "head.effectiveClustersHistory";

    /// <inheritdoc />
    public override void SaveState(ModelWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Set(HistoryKey, History);
    }

    private Tensor GetBuffer(string name) => get_buffer(name) ?? throw new InvalidOperationException($"buffer '{name}' is missing.");

}
