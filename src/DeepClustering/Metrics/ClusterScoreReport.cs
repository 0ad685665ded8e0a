namespace DeepClustering.Metrics;

/// <summary>The usual external clustering scores of one prediction, as returned by <see cref="ClusterScores.Evaluate(ReadOnlySpan{int}, ReadOnlySpan{int})"/>.</summary>
/// <param name="Accuracy">Hungarian-matched accuracy in [0, 1].</param>
/// <param name="Nmi">Normalised mutual information (arithmetic normalisation) in [0, 1].</param>
/// <param name="Ari">Adjusted Rand index in [−0.5, 1].</param>
/// <param name="Purity">Purity in (0, 1].</param>
/// <param name="Classes">Number of distinct true labels.</param>
/// <param name="Clusters">Number of distinct predicted labels.</param>
public sealed record ClusterScoreReport(double Accuracy, double Nmi, double Ari, double Purity, int Classes, int Clusters)
{
    /// <summary>A one-line summary such as <c>ACC 0.9712  NMI 0.9263  ARI 0.9381  Purity 0.9712  (10 classes, 10 clusters)</c>.</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"ACC {Accuracy:F4}  NMI {Nmi:F4}  ARI {Ari:F4}  Purity {Purity:F4}  ({Classes} classes, {Clusters} clusters)");
}
