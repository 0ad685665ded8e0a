using DeepClustering.Core;
using DeepClustering.Mixtures;
using DeepClustering.Training;

namespace DeepClustering.Models;

/// <summary>
/// Options of <see cref="DeepDirichletProcessMixture"/>. <see cref="DeepClusteringOptions.Clusters"/> is the
/// truncation level T (default <see cref="DefaultTruncation"/>): an upper bound on the number of clusters, which the
/// model learns. Immutable; validated when fitting.
/// </summary>
public sealed record DeepDirichletProcessMixtureOptions : DeepClusteringOptions
{
    /// <summary>Default truncation level T.</summary>
    public const int DefaultTruncation = 30;

    /// <summary>Default number of joint-training epochs.</summary>
    public const int DefaultEpochs = 20;

    /// <summary>Creates options with truncation level <see cref="DefaultTruncation"/> and <see cref="DefaultEpochs"/> joint-training epochs.</summary>
    public DeepDirichletProcessMixtureOptions()
    {
        Clusters = DefaultTruncation;
        Epochs = DefaultEpochs;
    }

    /// <summary>
    /// α₀, the concentration of the Beta(1, α₀) stick-breaking prior of the latent mixture (&gt; 0): smaller values
    /// favour fewer clusters. Null (default) means 1/T, as scikit-learn.
    /// </summary>
    public double? WeightConcentrationPrior { get; init; }

    /// <summary>
    /// Coarsening of the latent mixture's posterior (see <see cref="DirichletProcessGaussianMixtureOptions.EffectiveSampleSize"/>):
    /// the codes enter its variational updates as if there were only this many (&gt; 0), so the Dirichlet-process and
    /// Gaussian–Wishart priors keep their say and clusters that are not exactly Gaussian are not split into several
    /// components. Smaller values give fewer, broader clusters; null means no coarsening. Default 1000.
    /// </summary>
    public double? EffectiveSampleSize { get; init; } = 1000;

    /// <summary>Skew α of the α-Jensen–Shannon clustering loss, in (0, 1). Default 0.5 (symmetric).</summary>
    public double JensenShannonAlpha { get; init; } = 0.5;

    /// <summary>Which geometric mixture the skewed divergence uses (matters only when α ≠ 0.5). Default <see cref="JensenShannonSkew.Deasy"/>.</summary>
    public JensenShannonSkew JensenShannonSkew { get; init; } = JensenShannonSkew.Deasy;

    /// <summary>
    /// λ_c, the weight of the clustering loss (the responsibility-weighted α-Jensen–Shannon divergence between each
    /// code and the components, divided by the latent width) against the mean squared reconstruction error (≥ 0).
    /// </summary>
    public double ClusteringWeight { get; init; } = 0.1;

    /// <summary>
    /// λ_dp, the weight of an optional Dirichlet-process prior term −(1/B) Σ_i Σ_t r_it(z_i) E[log π_t] (≥ 0). Unlike
    /// the clustering term, its responsibilities carry gradients, so it moves codes near a boundary towards the heavier
    /// component (rich-get-richer). Default 0 (off): the pressure runs away — on MNIST, weights of 0.05 and 1 both
    /// collapsed the mixture to one component within a few epochs. The number of clusters is better steered with
    /// <see cref="EffectiveSampleSize"/>.
    /// </summary>
    public double PriorWeight { get; init; }

    /// <summary>Initial responsibilities of the latent mixture's first fit. Default <see cref="MixtureInit.KMeans"/> (k-means with T clusters).</summary>
    public MixtureInit MixtureInit { get; init; } = MixtureInit.KMeans;

    /// <summary>
    /// Spread of each code's Gaussian in the divergence, relative to the components: a code z is treated as
    /// N(z, ρ·s²) where s² is the weight-averaged per-dimension variance of the active components (&gt; 0). Default 1.
    /// </summary>
    public double CodeSpread { get; init; } = 1.0;

    /// <summary>
    /// A component whose expected weight falls below this value during training is pruned for good, in (0, 1);
    /// the components left are the learned clusters. Default 0.01.
    /// </summary>
    public double PruneThreshold { get; init; } = DirichletProcessGaussianMixtureOptions.DefaultEffectiveWeightThreshold;

    /// <summary>Variational iterations of the latent mixture before the first epoch (from k-means with T clusters; ≥ 1). Default 300.</summary>
    public int InitialMixtureIterations { get; init; } = 300;

    /// <summary>Variational iterations of the latent mixture at the start of every epoch, warm-started (≥ 1). Default 20.</summary>
    public int MixtureIterations { get; init; } = 20;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        OptionCheck.InRange(nameof(Clusters), Clusters, 2, 100_000);
        if (WeightConcentrationPrior is double a) OptionCheck.GreaterThan(nameof(WeightConcentrationPrior), a, 0);
        if (EffectiveSampleSize is double n) OptionCheck.GreaterThan(nameof(EffectiveSampleSize), n, 0);
        if (!(JensenShannonAlpha > 0 && JensenShannonAlpha < 1))
            throw new ArgumentOutOfRangeException(nameof(JensenShannonAlpha), JensenShannonAlpha, $"JensenShannonAlpha must lie in (0, 1); got {JensenShannonAlpha}.");
        OptionCheck.Defined(nameof(JensenShannonSkew), JensenShannonSkew);
        OptionCheck.InRange(nameof(ClusteringWeight), ClusteringWeight, 0, 1e6);
        OptionCheck.GreaterThan(nameof(CodeSpread), CodeSpread, 0);
        OptionCheck.InRange(nameof(PriorWeight), PriorWeight, 0, 1e6);
        OptionCheck.Defined(nameof(MixtureInit), MixtureInit);
        if (!(PruneThreshold > 0 && PruneThreshold < 1))
            throw new ArgumentOutOfRangeException(nameof(PruneThreshold), PruneThreshold, $"PruneThreshold must lie in (0, 1); got {PruneThreshold}.");
        OptionCheck.InRange(nameof(InitialMixtureIterations), InitialMixtureIterations, 1, 100_000);
        OptionCheck.InRange(nameof(MixtureIterations), MixtureIterations, 1, 100_000);
    }
}
