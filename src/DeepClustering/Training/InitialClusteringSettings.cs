namespace DeepClustering.Training;

/// <summary>How the pipeline clusters the pretrained codes before joint training.</summary>
/// <param name="Kind">k-means or a Gaussian mixture.</param>
/// <param name="Restarts">Restarts (best objective kept).</param>
/// <param name="Covariance">Covariance structure of the Gaussian mixture ("Diagonal", "Full", "Spherical", "Tied").</param>
/// <param name="MaxIterations">Iteration limit of each restart.</param>
public sealed record InitialClusteringSettings(InitialClusteringKind Kind, int Restarts, string Covariance = "Diagonal", int MaxIterations = 300);
