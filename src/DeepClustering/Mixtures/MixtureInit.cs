namespace DeepClustering.Mixtures;

/// <summary>How a mixture's initial responsibilities are chosen (scikit-learn's <c>init_params</c>).</summary>
public enum MixtureInit
{
    /// <summary>Hard assignments of a k-means run (k-means++ seeding, one restart). The default.</summary>
    KMeans,
    /// <summary>k-means++ seeding only: each component starts at one seed point.</summary>
    KMeansPlusPlus,
    /// <summary>Responsibilities drawn uniformly at random and normalised per row.</summary>
    Random,
    /// <summary>Each component starts at a distinct data point chosen uniformly at random.</summary>
    RandomFromData,
}
