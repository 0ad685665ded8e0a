using System.Text.Json.Serialization;
using DeepClustering.Core;

namespace DeepClustering.Mixtures;

/// <summary>
/// Options of <see cref="DirichletProcessGaussianMixture"/> (scikit-learn's <c>BayesianGaussianMixture</c> with
/// <c>weight_concentration_prior_type="dirichlet_process"</c>). <see cref="MixtureOptions.Components"/> is the
/// truncation level T (default 20), an upper bound on the number of clusters, not the number itself. Every prior
/// left null takes scikit-learn's data-derived default. Immutable; validated when fitting.
/// </summary>
/// <remarks>
/// <see cref="MixtureOptions.Tolerance"/> applies to the change of the lower bound, which for this model is a
/// total over the rows (as in scikit-learn), not a per-row mean.
/// </remarks>
public sealed record DirichletProcessGaussianMixtureOptions : MixtureOptions
{
    /// <summary>Default truncation level.</summary>
    public const int DefaultTruncation = 20;

    /// <summary>Default weight above which a component counts as a cluster.</summary>
    public const double DefaultEffectiveWeightThreshold = 0.01;

    /// <summary>Creates options with the truncation level <see cref="DefaultTruncation"/>.</summary>
    public DirichletProcessGaussianMixtureOptions() => Components = DefaultTruncation;

    /// <summary>
    /// α₀, the concentration of the Beta(1, α₀) stick-breaking prior (&gt; 0). Smaller values favour fewer
    /// clusters; larger values more. Null (default) means 1/T, scikit-learn's default.
    /// </summary>
    public double? WeightConcentrationPrior { get; init; }

    /// <summary>κ₀, the precision scaling of the Gaussian prior on the means (&gt; 0). Null (default) means 1.</summary>
    public double? MeanPrecisionPrior { get; init; }

    /// <summary>m₀, the prior mean of the component means (D values). Null (default) means the data mean.</summary>
    [JsonIgnore]
    public double[]? MeanPrior { get; init; }

    /// <summary>ν₀, the degrees of freedom of the Wishart prior (&gt; D − 1). Null (default) means D.</summary>
    public double? DegreesOfFreedomPrior { get; init; }

    /// <summary>
    /// The covariance prior (positive definite), shaped by <see cref="MixtureOptions.Covariance"/>: Full and Tied
    /// <c>double[D, D]</c>, Diagonal <c>double[D]</c>, Spherical <c>double[1]</c>. Null (default) means the data's
    /// covariance (Full, Tied), per-feature variances (Diagonal) or their mean (Spherical), all with N − 1.
    /// </summary>
    [JsonIgnore]
    public Array? CovariancePrior { get; init; }

    /// <summary>
    /// Coarsened posterior (Miller and Dunson 2019): when set below the row count N, every row enters the
    /// variational updates with weight ζ = EffectiveSampleSize / N, as if the data held only that many rows (&gt; 0).
    /// With many rows the exact posterior lets the data swamp the priors and keeps splitting clusters that are not
    /// exactly Gaussian into several components; a bounded effective sample size keeps the number of clusters at the
    /// resolution the priors express. Responsibilities are computed as usual. Null (default): exact (ζ = 1), as scikit-learn.
    /// </summary>
    public double? EffectiveSampleSize { get; init; }

    /// <summary>
    /// A component counts as a cluster (towards <see cref="DirichletProcessGaussianMixtureModel.EffectiveClusters"/>)
    /// when its expected weight exceeds this value, in (0, 1). Default 0.01: components left with less than 1 % of the
    /// data are treated as pruned by the prior.
    /// </summary>
    public double EffectiveWeightThreshold { get; init; } = DefaultEffectiveWeightThreshold;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (WeightConcentrationPrior is double a) OptionCheck.GreaterThan(nameof(WeightConcentrationPrior), a, 0);
        if (MeanPrecisionPrior is double m) OptionCheck.GreaterThan(nameof(MeanPrecisionPrior), m, 0);
        if (DegreesOfFreedomPrior is double nu) OptionCheck.GreaterThan(nameof(DegreesOfFreedomPrior), nu, 0);
        if (EffectiveSampleSize is double n) OptionCheck.GreaterThan(nameof(EffectiveSampleSize), n, 0);
        if (!(EffectiveWeightThreshold > 0 && EffectiveWeightThreshold < 1))
            throw new ArgumentOutOfRangeException(nameof(EffectiveWeightThreshold), EffectiveWeightThreshold,
                $"EffectiveWeightThreshold must be a number in (0, 1); got {EffectiveWeightThreshold}.");
        if (MeanPrior is { } mean)
        {
            if (mean.Length == 0) throw new ArgumentOutOfRangeException(nameof(MeanPrior), "MeanPrior must have one value per feature; got none.");
            foreach (var v in mean)
                if (!double.IsFinite(v)) throw new ArgumentOutOfRangeException(nameof(MeanPrior), v, $"MeanPrior must be finite; got {v}.");
        }
        if (CovariancePrior is { } p)
        {
            var (rank, what) = Covariance switch
            {
                CovarianceType.Full or CovarianceType.Tied => (2, "double[D, D]"),
                CovarianceType.Diagonal => (1, "double[D]"),
                _ => (1, "double[1]"),
            };
            if (p.Rank != rank || p.GetType().GetElementType() != typeof(double) || (Covariance == CovarianceType.Spherical && p.Length != 1))
                throw new ArgumentOutOfRangeException(nameof(CovariancePrior), $"CovariancePrior must be a {what} array for Covariance = {Covariance}; got {p.GetType().Name} of length {p.Length}.");
            if (rank == 2 && p.GetLength(0) != p.GetLength(1))
                throw new ArgumentOutOfRangeException(nameof(CovariancePrior), "CovariancePrior must be a square matrix.");
            foreach (double v in p)
                if (!double.IsFinite(v)) throw new ArgumentOutOfRangeException(nameof(CovariancePrior), v, $"CovariancePrior must be finite; got {v}.");
            if (rank == 1)
                foreach (double v in p)
                    if (v <= 0) throw new ArgumentOutOfRangeException(nameof(CovariancePrior), v, $"CovariancePrior must be positive for Covariance = {Covariance}; got {v}.");
        }
    }
}
