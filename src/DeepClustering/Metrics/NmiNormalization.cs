namespace DeepClustering.Metrics;

/// <summary>
/// How normalised mutual information divides MI by the two entropies H(truth) and H(predicted); the names and
/// formulas are those of scikit-learn's <c>average_method</c>.
/// </summary>
public enum NmiNormalization
{
    /// <summary>(H(U) + H(V)) / 2 — scikit-learn's default since 0.22 (equals the V-measure).</summary>
    Arithmetic,

    /// <summary>√(H(U) · H(V)).</summary>
    Geometric,

    /// <summary>min(H(U), H(V)).</summary>
    Min,

    /// <summary>max(H(U), H(V)).</summary>
    Max,
}
