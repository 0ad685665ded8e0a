using DeepClustering.Core;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>Runs the EM engine's k-means or Gaussian mixture on latent codes.</summary>
internal static class LatentClustering
{
    /// <summary>Fits the clustering and returns the model and the soft assignments (N x K) on the codes' device.</summary>
    public static (IClusteringModel Model, Tensor Responsibilities) Fit(Tensor codes, int clusters, InitialClusteringSettings settings,
        int seed, string device, CancellationToken cancellationToken)
    {
        throw new NotSupportedException("waiting for the EM engine (branch em).");
    }
}
