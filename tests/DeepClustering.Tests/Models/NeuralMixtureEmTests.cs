using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Metrics;
using DeepClustering.Models;
using DeepClustering.Networks;
using DeepClustering.Tests.Training;
using DeepClustering.Training;

namespace DeepClustering.Tests.Models;

public class NeuralMixtureEmTests
{
    private static readonly Dataset Blobs = DeepTestData.Blobs(rows: 300, features: 12, clusters: 3, seed: 5, spread: 0.6);

    /// <summary>Small, fast settings for tabular data.</summary>
    internal static NeuralMixtureEmOptions Tiny(int clusters = 3, int seed = 0) => new()
    {
        Clusters = clusters, Seed = seed, HiddenSizes = new[] { 32 }, LatentSize = 8, BatchSize = 64, Epochs = 30,
        UniformMixingEpochs = 2,
    };

    private static double Accuracy(Dataset data, int[] labels) => ClusterScores.Accuracy(data.Labels!, labels);

    [Fact]
    public void EmWithConsistencySeparatesBlobsFromScratch()
    {
        using var model = new NeuralMixtureEm(Tiny()).Fit(Blobs);
        Assert.True(Accuracy(Blobs, model.Predict(Blobs)) >= 0.95);
        Assert.Empty(model.Summary.Warnings);
    }

    [Fact]
    public void PureEmWithoutAugmentationSeparatesBlobs()
    {
        using var model = new NeuralMixtureEm(Tiny() with { ConsistencyWeight = 0, Augment = false }).Fit(Blobs);
        Assert.True(Accuracy(Blobs, model.Predict(Blobs)) >= 0.95);
    }
}
