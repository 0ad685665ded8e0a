using System.Text.Json.Serialization;

namespace DeepClustering.Mixtures;

/// <summary>
/// Options of <see cref="GaussianMixture"/> (scikit-learn's <c>GaussianMixture</c> parameters). Immutable;
/// validated when fitting. Initial parameters use scikit-learn's shapes; any of them left null is taken from
/// the <see cref="MixtureOptions.Init"/> method.
/// </summary>
public sealed record GaussianMixtureOptions : MixtureOptions
{
    /// <summary>Initial mixing weights (length K, non-negative, summing to 1), or null.</summary>
    [JsonIgnore]
    public double[]? InitialWeights { get; init; }

    /// <summary>Initial means (K x D), or null.</summary>
    [JsonIgnore]
    public double[,]? InitialMeans { get; init; }

    /// <summary>
    /// Initial precision matrices (inverse covariances), shaped by <see cref="MixtureOptions.Covariance"/> as in
    /// scikit-learn: Full <c>double[K, D, D]</c>, Tied <c>double[D, D]</c>, Diagonal <c>double[K, D]</c>,
    /// Spherical <c>double[K]</c>; or null.
    /// </summary>
    [JsonIgnore]
    public Array? InitialPrecisions { get; init; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        int k = Components;
        if (InitialWeights is { } w)
        {
            if (w.Length != k)
                throw new ArgumentOutOfRangeException(nameof(InitialWeights), w.Length, $"{nameof(InitialWeights)} must have Components = {k} entries; got {w.Length}.");
            if (w.Any(v => !double.IsFinite(v) || v < 0 || v > 1))
                throw new ArgumentOutOfRangeException(nameof(InitialWeights), $"{nameof(InitialWeights)} must lie in [0, 1]; got min {w.Min()}, max {w.Max()}.");
            if (Math.Abs(1 - w.Sum()) > 1e-8)
                throw new ArgumentOutOfRangeException(nameof(InitialWeights), w.Sum(), $"{nameof(InitialWeights)} must sum to 1; got {w.Sum()}.");
        }
        if (InitialMeans is { } m)
        {
            if (m.GetLength(0) != k)
                throw new ArgumentOutOfRangeException(nameof(InitialMeans), m.GetLength(0), $"{nameof(InitialMeans)} must have Components = {k} rows; got {m.GetLength(0)}.");
            foreach (var v in m)
                if (!double.IsFinite(v)) throw new ArgumentOutOfRangeException(nameof(InitialMeans), v, $"{nameof(InitialMeans)} must be finite; got {v}.");
        }
        if (InitialPrecisions is { } p)
        {
            var (rank, what) = Covariance switch
            {
                CovarianceType.Full => (3, "double[Components, D, D]"),
                CovarianceType.Tied => (2, "double[D, D]"),
                CovarianceType.Diagonal => (2, "double[Components, D]"),
                _ => (1, "double[Components]"),
            };
            if (p is not { Rank: var r } || r != rank || p.GetType().GetElementType() != typeof(double))
                throw new ArgumentOutOfRangeException(nameof(InitialPrecisions), $"{nameof(InitialPrecisions)} must be a {what} array for Covariance = {Covariance}; got {p.GetType().Name}.");
            if (Covariance != CovarianceType.Tied && p.GetLength(0) != k)
                throw new ArgumentOutOfRangeException(nameof(InitialPrecisions), p.GetLength(0), $"{nameof(InitialPrecisions)} must have Components = {k} entries in its first dimension; got {p.GetLength(0)}.");
            if (Covariance is CovarianceType.Full or CovarianceType.Tied && p.GetLength(rank - 1) != p.GetLength(rank - 2))
                throw new ArgumentOutOfRangeException(nameof(InitialPrecisions), $"{nameof(InitialPrecisions)} must hold square matrices.");
            foreach (double v in p)
                if (!double.IsFinite(v)) throw new ArgumentOutOfRangeException(nameof(InitialPrecisions), v, $"{nameof(InitialPrecisions)} must be finite; got {v}.");
            if (Covariance is CovarianceType.Diagonal or CovarianceType.Spherical)
                foreach (double v in p)
                    if (v <= 0) throw new ArgumentOutOfRangeException(nameof(InitialPrecisions), v, $"{nameof(InitialPrecisions)} must be positive for Covariance = {Covariance}; got {v}.");
        }
    }
}
