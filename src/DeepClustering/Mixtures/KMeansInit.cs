namespace DeepClustering.Mixtures;

/// <summary>How k-means chooses its initial centroids.</summary>
public enum KMeansInit
{
    /// <summary>Greedy k-means++ (D² sampling with 2 + ln K candidates per step, as scikit-learn).</summary>
    KMeansPlusPlus,
    /// <summary>K distinct data points chosen uniformly at random.</summary>
    Random,
}
