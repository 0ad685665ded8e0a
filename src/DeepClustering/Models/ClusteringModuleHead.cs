using DeepClustering.Networks;
using DeepClustering.Training;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// The clustering module on the bottleneck of the deep variant (AE-CM): a <see cref="ClusteringModuleLayer"/> over the
/// latent codes. Its assignments γ are the model's prediction rule.
/// </summary>
public sealed class ClusteringModuleHead : DeepClusteringHead
{
    private readonly ClusteringModuleLayer module;

    /// <summary>Builds the head on the CPU (a null generator leaves zeros, for loading).</summary>
    /// <param name="latentSize">Width of the codes.</param>
    /// <param name="clusters">Number of clusters K.</param>
    /// <param name="generator">Source of the initial weights.</param>
    public ClusteringModuleHead(int latentSize, int clusters, Generator? generator) : base(nameof(ClusteringModuleHead))
    {
        module = new ClusteringModuleLayer(latentSize, clusters, generator);
        RegisterComponents();
    }

    /// <summary>The module (encoder weights and centroids).</summary>
    public ClusteringModuleLayer Module => module;

    /// <inheritdoc />
    public override int Clusters => module.Clusters;

    /// <inheritdoc />
    public override Tensor Probabilities(Tensor inputs, Tensor codes) => module.Assignments(codes);
}
