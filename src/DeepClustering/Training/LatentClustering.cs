using DeepClustering.Core;
using DeepClustering.Mixtures;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>Runs the EM engine's k-means or Gaussian mixture on latent codes.</summary>
internal static class LatentClustering
{
    /// <summary>
    /// Fits the clustering on <paramref name="codes"/> (on their device) and returns the model and the soft
    /// assignments (N x K, float32, on the codes' device): one-hot rows for k-means, posteriors for a mixture.
    /// </summary>
    public static (IClusteringModel Model, Tensor Responsibilities) Fit(Tensor codes, int clusters, InitialClusteringSettings settings,
        int seed, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        if (settings.Kind == InitialClusteringKind.GaussianMixture)
        {
            var gmm = new GaussianMixture(new GaussianMixtureOptions
            {
                Components = clusters, Covariance = settings.Covariance, Restarts = settings.Restarts, MaxIterations = settings.MaxIterations,
                Seed = seed, CovarianceRegularization = settings.CovarianceRegularization,
            }).FitTensor(codes, progress, cancellationToken);
            try
            {
                using var p = gmm.PredictProbabilitiesTensor(codes);
                return (gmm, p.to(ScalarType.Float32, codes.device));
            }
            catch
            {
                gmm.Dispose();
                throw;
            }
        }
        var kmeans = new KMeans(new KMeansOptions
        {
            Clusters = clusters, Restarts = settings.Restarts, MaxIterations = settings.MaxIterations, Seed = seed,
        }).FitTensor(codes, progress, cancellationToken);
        try
        {
            using var labels = kmeans.PredictTensor(codes);
            return (kmeans, nn.functional.one_hot(labels.to(ScalarType.Int64, codes.device), clusters).to(ScalarType.Float32));
        }
        catch
        {
            kmeans.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Hard k-means labels (int64, N, on the codes' device) of <paramref name="codes"/>: k-means++ with
    /// <paramref name="restarts"/> restarts, the lowest inertia kept.
    /// </summary>
    public static Tensor KMeansLabels(Tensor codes, int clusters, int restarts, int seed, CancellationToken cancellationToken)
    {
        using var kmeans = new KMeans(new KMeansOptions { Clusters = clusters, Restarts = restarts, Seed = seed })
            .FitTensor(codes, null, cancellationToken);
        using var predicted = kmeans.PredictTensor(codes);
        return predicted.to(ScalarType.Int64, codes.device);
    }
}
