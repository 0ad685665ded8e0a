using DeepClustering.Data;
using DeepClustering.Mixtures;
using DeepClustering.Tests.Training;

namespace DeepClustering.Tests.Mixtures;

/// <summary>What every fitted EM-engine model inherits from <see cref="MixtureModelBase"/>.</summary>
public class MixtureModelBaseTests
{
    private static readonly Dataset Blobs = DeepTestData.Blobs(rows: 90, features: 4, clusters: 3, seed: 2);
    private static readonly Dataset NoRows = Dataset.FromValues(Array.Empty<float>(), 0, 4);

    [Fact]
    public void NoRowsGiveEmptyResultsOfTheRightShape()
    {
        using var kmeans = new KMeans(new KMeansOptions { Clusters = 3, Seed = 0 }).Fit(Blobs);
        using var gmm = new GaussianMixture(new GaussianMixtureOptions { Components = 3, Seed = 0 }).Fit(Blobs);
        using var dp = new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions { Components = 5, Seed = 0 }).Fit(Blobs);
        using var soft = new SoftKMeans(new SoftKMeansOptions { Components = 3, Seed = 0 }).Fit(Blobs);
        foreach (MixtureModelBase model in new MixtureModelBase[] { kmeans, gmm, dp, soft })
        {
            Assert.Empty(model.Predict(NoRows));
            var p = model.PredictProbabilities(NoRows);
            Assert.Equal(new[] { 0, model.Clusters }, new[] { p.GetLength(0), p.GetLength(1) });
        }
        Assert.Equal(new[] { 0, 3 }, new[] { kmeans.Transform(NoRows).GetLength(0), kmeans.Transform(NoRows).GetLength(1) });
        Assert.Equal(new[] { 0, 3 }, new[] { soft.Transform(NoRows).GetLength(0), soft.Transform(NoRows).GetLength(1) });
        Assert.Empty(gmm.ScoreSamples(NoRows));
        Assert.Empty(dp.ScoreSamples(NoRows));
    }
}
