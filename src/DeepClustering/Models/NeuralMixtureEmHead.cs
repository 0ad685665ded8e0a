using DeepClustering.Networks;
using DeepClustering.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// The mixture layer of <see cref="NeuralMixtureEm"/>: K neurons on the backbone's code h, each computing the kernel
/// <c>σ(cos(h, w_k) / τ)</c>, which the equal-mass normalisation (<see cref="DensityNormalization"/>) turns into the
/// cluster density f_k; plus the mixing weights π. π and the running masses are buffers updated in closed form, not
/// by gradients. The posterior <c>p(k | x) ∝ π_k f_k(x)</c> is the model's prediction rule.
/// </summary>
public sealed class NeuralMixtureEmHead : DeepClusteringHead
{
    private static readonly double Log2 = Math.Log(2);
    private readonly Parameter weight;
    private readonly Tensor logMixing;
    private readonly Tensor logMass;
    private readonly double temperature;

    /// <summary>Creates the layer on the CPU.</summary>
    /// <param name="latentSize">Width H of the backbone's code.</param>
    /// <param name="clusters">Number of clusters K.</param>
    /// <param name="normalization">The equal-mass normalisation.</param>
    /// <param name="temperature">τ &gt; 0: the width of the sigmoid's transition in cosine units.</param>
    /// <param name="generator">Draws the initial weights (uniform directions); null leaves zeros (state loaded next).</param>
    public NeuralMixtureEmHead(int latentSize, int clusters, DensityNormalization normalization, double temperature, Generator? generator)
        : base(nameof(NeuralMixtureEmHead))
    {
        if (latentSize < 1) throw new ArgumentOutOfRangeException(nameof(latentSize), latentSize, "the code width must be at least 1.");
        if (clusters < 1) throw new ArgumentOutOfRangeException(nameof(clusters), clusters, "the cluster count must be at least 1.");
        if (!(temperature > 0) || !double.IsFinite(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the temperature must be positive.");
        Clusters = clusters;
        LatentSize = latentSize;
        Normalization = normalization;
        this.temperature = temperature;
        var w = empty(clusters, latentSize);
        using (no_grad())
        {
            if (generator is null) w.zero_();
            else w.normal_(0, 1, generator); // uniform directions on the sphere
        }
        weight = (Parameter)new Parameter(w).DetachFromDisposeScope();
        logMixing = full(clusters, -Math.Log(clusters)).DetachFromDisposeScope();
        // σ(cos/τ) has mean 1/2 for codes spread evenly around a neuron's direction: the natural starting mass.
        logMass = full(clusters, -Log2).DetachFromDisposeScope();
        RegisterComponents();
    }

    /// <inheritdoc />
    public override int Clusters { get; }

    /// <summary>Width of the code the neurons read.</summary>
    public int LatentSize { get; }

    /// <summary>The equal-mass normalisation.</summary>
    public DensityNormalization Normalization { get; }

    /// <summary>The temperature τ.</summary>
    public double Temperature => temperature;

    /// <summary>The neurons' weight vectors (K x H), one per cluster: the distribution parameters of the last layer.</summary>
    public Tensor Weight => weight;

    /// <summary>log π (K), the mixing weights' logarithms; changed in place by <see cref="NeuralMixtureEmSteps.UpdateMixing"/>.</summary>
    public Tensor LogMixing => logMixing;

    /// <summary>
    /// log of the running mass E_data[σ(cos/τ)] per neuron (K), used by <see cref="DensityNormalization.Data"/> at
    /// prediction time; updated by <see cref="BatchLogDensities"/>.
    /// </summary>
    public Tensor LogMass => logMass;

    /// <summary>The neurons' normalised inputs (B x K): cosines between the codes and the weight vectors.</summary>
    public Tensor Scores(Tensor codes) =>
        nn.functional.normalize(codes, dim: 1).matmul(nn.functional.normalize(weight, dim: 1).t());

    /// <summary>log σ(cos/τ) (B x K), the unnormalised log-kernels of the neurons.</summary>
    public Tensor LogKernels(Tensor codes) => nn.functional.logsigmoid(Scores(codes).div(temperature));

    /// <summary>
    /// log f_k(x) (B x K) as used for prediction: the log-kernels minus the running log-mass (<see cref="DensityNormalization.Data"/>),
    /// or plus log 2 (<see cref="DensityNormalization.Sphere"/>).
    /// </summary>
    public Tensor LogDensities(Tensor codes) => Normalization == DensityNormalization.Data
        ? LogKernels(codes) - logMass
        : LogKernels(codes).add(Log2);

    /// <summary>
    /// log f_k(x) (B x K) as used in training: with <see cref="DensityNormalization.Data"/> each neuron's mass is the
    /// mean of its kernel over this batch (differentiable, so the M-step also lowers a neuron where its cluster is not),
    /// and <paramref name="updateRunningMass"/> folds that mass into the running estimate (momentum 0.1, like batch
    /// normalisation's statistics). With <see cref="DensityNormalization.Sphere"/> it equals <see cref="LogDensities"/>.
    /// </summary>
    public Tensor BatchLogDensities(Tensor codes, bool updateRunningMass)
    {
        var logKernels = LogKernels(codes);
        if (Normalization == DensityNormalization.Sphere) return logKernels.add(Log2);
        var batchLogMass = logKernels.logsumexp(0).sub(Math.Log(logKernels.shape[0]));
        if (updateRunningMass)
        {
            using var noGrad = no_grad();
            using var mass = logMass.exp().mul_(0.9).add_(batchLogMass.detach().exp(), alpha: 0.1);
            logMass.copy_(mass.log_());
        }
        return logKernels - batchLogMass;
    }

    /// <summary>log p(k | x) = log_softmax(log π + log f) (B x K) from log-densities.</summary>
    public Tensor LogPosterior(Tensor logDensities) => (logDensities + logMixing).log_softmax(1);

    /// <inheritdoc />
    public override Tensor Probabilities(Tensor inputs, Tensor codes) => (LogDensities(codes) + logMixing).softmax(1);

    /// <summary>Points the weight vectors (K x H) at cluster centres of the codes, e.g. those of k-means.</summary>
    public void SetWeights(Tensor centres)
    {
        ArgumentNullException.ThrowIfNull(centres);
        if (centres.shape[0] != Clusters || centres.shape[1] != LatentSize)
            throw new ArgumentException($"expected {Clusters} x {LatentSize} centres; got {centres.shape[0]} x {centres.shape[1]}.", nameof(centres));
        using var noGrad = no_grad();
        weight.copy_(centres);
    }
}
