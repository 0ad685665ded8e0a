using DeepClustering.Mixtures;

namespace DeepClustering.Training;

/// <summary>How the pipeline clusters the pretrained codes before joint training.</summary>
/// <param name="Kind">k-means or a Gaussian mixture.</param>
/// <param name="Restarts">Restarts (best objective kept).</param>
/// <param name="Covariance">Covariance structure of the Gaussian mixture.</param>
/// <param name="MaxIterations">Iteration limit of each restart.</param>
/// <param name="CovarianceRegularization">Value added to the mixture's covariance diagonals.</param>
public sealed record InitialClusteringSettings(
    InitialClusteringKind Kind,
    int Restarts,
    CovarianceType Covariance = CovarianceType.Diagonal,
    int MaxIterations = 300,
    double CovarianceRegularization = 1e-6);
