namespace DeepClustering.Mixtures;

/// <summary>Shape of the covariance matrices of a Gaussian mixture (scikit-learn's <c>covariance_type</c>).</summary>
public enum CovarianceType
{
    /// <summary>Each component has its own general covariance matrix (D x D).</summary>
    Full,
    /// <summary>Each component has its own diagonal covariance (D variances).</summary>
    Diagonal,
    /// <summary>Each component has a single variance shared by all features.</summary>
    Spherical,
    /// <summary>All components share one general covariance matrix.</summary>
    Tied,
}
