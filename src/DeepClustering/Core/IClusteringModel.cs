using DeepClustering.Data;

namespace DeepClustering.Core;

/// <summary>A fitted clustering model. It owns tensors, so dispose it when done.</summary>
public interface IClusteringModel : IDisposable
{
    /// <summary>Number of clusters (mixture components, or truncation level for Dirichlet-process models).</summary>
    int Clusters { get; }

    /// <summary>Number of input features the model was fitted on; inputs with another width are rejected.</summary>
    int Features { get; }

    /// <summary>How the fit went: convergence, iterations, objective history, elapsed time.</summary>
    FitSummary Summary { get; }

    /// <summary>Hard cluster labels in 0..<see cref="Clusters"/>-1, one per row.</summary>
    int[] Predict(Dataset data);

    /// <summary>Soft assignments (N x K); each row sums to 1.</summary>
    float[,] PredictProbabilities(Dataset data);

    /// <summary>Saves the full model state (options, parameters, feature count, scaler, format version).</summary>
    void Save(Stream destination);
}

/// <summary>A model that defines a probability density over the input space (Gaussian mixtures).</summary>
public interface IDensityModel : IClusteringModel
{
    /// <summary>Per-row log-likelihood log p(x).</summary>
    double[] ScoreSamples(Dataset data);

    /// <summary>Mean per-row log-likelihood.</summary>
    double Score(Dataset data);

    /// <summary>Bayesian information criterion on <paramref name="data"/> (lower is better).</summary>
    double BayesianInformationCriterion(Dataset data);

    /// <summary>Akaike information criterion on <paramref name="data"/> (lower is better).</summary>
    double AkaikeInformationCriterion(Dataset data);
}

/// <summary>A deep model with a latent space.</summary>
public interface IEmbeddingModel : IClusteringModel
{
    /// <summary>Latent codes (N x latent dimension).</summary>
    float[,] Embed(Dataset data);

    /// <summary>Reconstruction of the input (N x features).</summary>
    float[,] Reconstruct(Dataset data);
}
