namespace DeepClustering.Mixtures;

/// <summary>
/// Floating-point type of the E- and M-step tensor work. Sufficient statistics are always accumulated, and
/// covariances factorised, in double precision; this only sets the type of the large per-row operations.
/// </summary>
public enum FloatPrecision
{
    /// <summary>Single precision: about twice as fast, ample for well-scaled data.</summary>
    Float32,
    /// <summary>Double precision, as scikit-learn: use it for badly scaled or nearly singular data.</summary>
    Float64,
}
