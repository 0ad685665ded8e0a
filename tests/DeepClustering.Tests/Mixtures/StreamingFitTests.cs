using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Mixtures;

namespace DeepClustering.Tests.Mixtures;

public class StreamingFitTests
{
    public static TheoryData<CovarianceType, MixtureInit> Cases => new()
    {
        { CovarianceType.Full, MixtureInit.KMeans },
        { CovarianceType.Diagonal, MixtureInit.RandomFromData },
        { CovarianceType.Spherical, MixtureInit.KMeansPlusPlus },
        { CovarianceType.Tied, MixtureInit.Random },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void StreamedFitEqualsInMemoryFit(CovarianceType type, MixtureInit init)
    {
        var data = MixtureTestData.Blobs(new[] { new[] { 0.0, 0, 1 }, new[] { 6.0, 1, 0 }, new[] { 0.0, 7, 2 } }, 70, 1.0, 21, shift: 30);
        var options = new GaussianMixtureOptions
        {
            Components = 3, Covariance = type, Init = init, Seed = 5, Precision = FloatPrecision.Float64, ChunkSize = 37,
            MaxIterations = 15, Tolerance = 0,
        };
        using var memory = new GaussianMixture(options).Fit(data);
        using var streamed = new GaussianMixture(options).Fit(data.AsChunkSource());
        GaussianMixtureParityTests.AssertClose(memory.Summary.ObjectiveHistory.ToArray(), streamed.Summary.ObjectiveHistory.ToArray(), "lower bounds", 1e-8);
        GaussianMixtureParityTests.AssertClose(GaussianMixtureParityTests.Flatten(memory.Means), GaussianMixtureParityTests.Flatten(streamed.Means), "means", 1e-9);
        GaussianMixtureParityTests.AssertClose(GaussianMixtureParityTests.Flatten(memory.Covariances), GaussianMixtureParityTests.Flatten(streamed.Covariances), "covariances", 1e-8);
        Assert.Equal(memory.Predict(data), streamed.Predict(data));
    }

    [Fact]
    public void FitsANpyFileReadInChunks()
    {
        var data = MixtureTestData.Blobs(new[] { new[] { 0.0, 0 }, new[] { 9.0, 0 }, new[] { 0.0, 9 } }, 200, 1.0, 22);
        var path = Path.Combine(Path.GetTempPath(), $"stream-{Guid.NewGuid():N}.npy");
        try
        {
            NpyWriter.Write(path, data);
            var source = new NpyChunkSource(path);
            var chunks = new List<long>();
            using var model = new GaussianMixture(new GaussianMixtureOptions { Components = 3, Covariance = CovarianceType.Diagonal, ChunkSize = 128, Seed = 1 })
                .Fit(source, new SyncProgress(r => chunks.Add(r.Iteration)));
            Assert.Equal(1.0, MixtureTestData.MatchedAccuracy(data.Labels!, model.Predict(data), 3));
            Assert.True(model.Summary.Converged);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void StreamedFitChecksItsSourceAndCancels()
    {
        var tiny = MixtureTestData.ThreeBlobs(1);
        Assert.Throws<ArgumentException>(() => new GaussianMixture(5).Fit(tiny.AsChunkSource()));
        var data = MixtureTestData.ThreeBlobs(60);
        using var cts = new CancellationTokenSource();
        var gmm = new GaussianMixture(new GaussianMixtureOptions { Components = 3, ChunkSize = 16, Tolerance = 0, MaxIterations = 50 });
        Assert.ThrowsAny<OperationCanceledException>(() => gmm.Fit(data.AsChunkSource(), new SyncProgress(r =>
        {
            if (r.Phase == TrainingPhase.Training) cts.Cancel();
        }), cts.Token));
    }
}
