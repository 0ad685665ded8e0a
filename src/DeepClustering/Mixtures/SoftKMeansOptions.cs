using System.Text.Json.Serialization;
using DeepClustering.Core;

namespace DeepClustering.Mixtures;

/// <summary>
/// Options of <see cref="SoftKMeans"/> (soft, entropy-regularised k-means). Immutable; validated when fitting.
/// <see cref="MixtureOptions.Components"/> is the number of clusters K. The defaults differ from the Gaussian
/// mixture's: <see cref="MixtureOptions.Init"/> = <see cref="MixtureInit.KMeansPlusPlus"/> (each centre starts at a
/// k-means++ seed, the same seeds as <see cref="KMeans"/> with the same seed), <see cref="MixtureOptions.Tolerance"/>
/// = 1e-6, <see cref="MixtureOptions.MaxIterations"/> = 300, and <see cref="MixtureOptions.Covariance"/> =
/// <see cref="CovarianceType.Spherical"/>, the only accepted value (soft k-means is a mixture of equal-weight
/// isotropic Gaussians with variance T/2; <see cref="MixtureOptions.CovarianceRegularization"/> is not used).
/// </summary>
public sealed record SoftKMeansOptions : MixtureOptions
{
    /// <summary>Creates options with soft k-means' defaults.</summary>
    public SoftKMeansOptions()
    {
        Covariance = CovarianceType.Spherical;
        Init = MixtureInit.KMeansPlusPlus;
        Tolerance = 1e-6;
        MaxIterations = 300;
    }

    /// <summary>
    /// The regularisation weight λ of SR-K-means (Jabi et al.): the entropy term is weighted by the temperature
    /// T = λ·K. Distances are in the data's units, so T only means something relative to the squared distances
    /// between points: T → 0 gives hard k-means (Lloyd's algorithm), large T gives ever softer assignments.
    /// Must be positive. Default 1e-4 (the authors' value).
    /// </summary>
    public double Regularization { get; init; } = 1e-4;

    /// <summary>The temperature T = <see cref="Regularization"/> · <see cref="MixtureOptions.Components"/>.</summary>
    [JsonIgnore]
    public double Temperature => Regularization * Components;

    /// <summary>
    /// Initial centres (K x D), or null to use <see cref="MixtureOptions.Init"/>. With given centres every restart
    /// starts from them (one restart is enough).
    /// </summary>
    [JsonIgnore]
    public double[,]? InitialCentroids { get; init; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (Covariance != CovarianceType.Spherical)
            throw new ArgumentOutOfRangeException(nameof(Covariance), Covariance,
                $"{nameof(Covariance)} must be Spherical for soft k-means (one isotropic distance for every cluster); got {Covariance}.");
        OptionCheck.GreaterThan(nameof(Regularization), Regularization, 0);
        OptionCheck.InRange(nameof(Regularization), Regularization, 0, 1e12);
        if (InitialCentroids is { } c)
        {
            if (c.GetLength(0) != Components)
                throw new ArgumentOutOfRangeException(nameof(InitialCentroids), c.GetLength(0),
                    $"{nameof(InitialCentroids)} must have Components = {Components} rows; got {c.GetLength(0)}.");
            foreach (var v in c)
                if (!double.IsFinite(v)) throw new ArgumentOutOfRangeException(nameof(InitialCentroids), v, $"{nameof(InitialCentroids)} must be finite; got {v}.");
        }
    }
}
