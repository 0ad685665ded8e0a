using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Metrics;
using DeepClustering.Mixtures;
using DeepClustering.Models;
using DeepClustering.Persistence;
using DeepClustering.Tests.Training;
using DeepClustering.Training;
using static DeepClustering.Tests.Training.AutoencoderTrainerTests;

namespace DeepClustering.Tests.Models;

public class AutoencoderMixtureTests
{
    internal static AutoencoderMixtureOptions Tiny(int clusters = 3, int seed = 1) => new()
    {
        Seed = seed, Clusters = clusters, LatentSize = 2, HiddenSizes = new[] { 16 }, BatchSize = 32, PretrainEpochs = 15,
        PretrainLearningRate = 3e-3, InitialClusteringRestarts = 3,
    };

    private static readonly Dataset Data = DeepTestData.Blobs(rows: 240, features: 10, clusters: 3);

    [Theory]
    [InlineData(InitialClusteringKind.GaussianMixture)]
    [InlineData(InitialClusteringKind.KMeans)]
    public void RecoversWellSeparatedBlobs(InitialClusteringKind clusterer)
    {
        using var model = new AutoencoderMixture(Tiny() with { Clusterer = clusterer }).Fit(Data);
        Assert.Equal(clusterer, model.Clusterer);
        Assert.Equal(clusterer == InitialClusteringKind.GaussianMixture, model.Mixture is not null);
        Assert.Equal(clusterer == InitialClusteringKind.KMeans, model.KMeans is not null);
        var labels = model.Predict(Data);
        Assert.True(ClusterScores.Accuracy(Data.Labels!, labels) > 0.95, $"ACC {ClusterScores.Accuracy(Data.Labels!, labels)}");
        Assert.True(model.Summary.Iterations >= 1);
        Assert.Equal(15, model.PretrainingLossHistory.Count);
        Assert.Equal(0, model.Options.Epochs);
    }

    [Fact]
    public void ProgressCoversPretrainingMixtureAndFinalAssignment()
    {
        var seen = new List<TrainingProgress>();
        using var model = new AutoencoderMixture(Tiny()).Fit(Data, new SyncProgress(seen.Add));
        Assert.Equal(15, seen.Count(p => p.Phase == TrainingPhase.Pretraining));
        Assert.Contains(seen, p => p.Phase == TrainingPhase.Training);
        Assert.Equal(TrainingPhase.Finalizing, seen[^1].Phase);
        Assert.Equal(Data.Rows, seen[^1].ClusterSizes!.Sum());
    }

    [Theory]
    [InlineData(InitialClusteringKind.GaussianMixture)]
    [InlineData(InitialClusteringKind.KMeans)]
    public void SaveAndLoadRoundTrip(InitialClusteringKind clusterer)
    {
        using var model = new AutoencoderMixture(Tiny() with { Clusterer = clusterer, Covariance = CovarianceType.Diagonal }).Fit(Data);
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        using var loaded = AutoencoderMixtureModel.Load(stream);
        Assert.Equal(model.Predict(Data), loaded.Predict(Data));
        Assert.True(DeepTestData.Same(model.PredictProbabilities(Data), loaded.PredictProbabilities(Data)));
        Assert.True(DeepTestData.Same(model.Embed(Data), loaded.Embed(Data)));
        Assert.Equal(clusterer, loaded.Clusterer);
        Assert.Equal(CovarianceType.Diagonal, loaded.Options.Covariance);
        stream.Position = 0;
        using var generic = ModelFile.Load(stream);
        Assert.IsType<AutoencoderMixtureModel>(generic);
        Assert.Equal(model.Predict(Data), generic.Predict(Data));
    }

    [Fact]
    public void OnePretrainedAutoencoderServesSeveralModels()
    {
        using var ae = new AutoencoderTrainer(Tiny().ToAutoencoderTrainerOptions()).Fit(Data);
        var codes = ae.Encode(Data);
        using var gmm = new AutoencoderMixture(Tiny() with { PretrainedAutoencoder = ae }).Fit(Data);
        using var kmeans = new AutoencoderMixture(Tiny() with { PretrainedAutoencoder = ae, Clusterer = InitialClusteringKind.KMeans }).Fit(Data);
        // No joint training: both models embed exactly as the shared autoencoder does.
        Assert.True(DeepTestData.Same(codes, gmm.Embed(Data)));
        Assert.True(DeepTestData.Same(codes, kmeans.Embed(Data)));
        Assert.Equal(ae.LossHistory, gmm.PretrainingLossHistory);
        // And the same as fitting with pretraining inside (same settings, same seed).
        using var inside = new AutoencoderMixture(Tiny()).Fit(Data);
        Assert.Equal(inside.Predict(Data), gmm.Predict(Data));
    }

    [Fact]
    public void ImageDataWithTheConvolutionalAutoencoder()
    {
        var images = DeepTestData.Images(rows: 90, side: 16);
        using var model = new AutoencoderMixture(Tiny() with { Network = DeepClustering.Networks.NetworkKind.Convolutional, HiddenSizes = new[] { 4, 8 }, PretrainEpochs = 5 }).Fit(images);
        Assert.Equal(ScalerKind.None, model.Scaler.Kind);
        Assert.Equal(90, model.Predict(images).Length);
        Assert.Equal(new[] { 90, 256 }, new[] { model.Reconstruct(images).GetLength(0), model.Reconstruct(images).GetLength(1) });
    }
}
