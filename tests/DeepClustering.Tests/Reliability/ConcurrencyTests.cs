using DeepClustering.Cli.Stress;
using DeepClustering.Tests.Contract;

namespace DeepClustering.Tests.Reliability;

/// <summary>
/// Two models fitted at the same time on two threads give exactly the labels, probabilities and saved parameters
/// they give when fitted alone (each fit owns its generator; nothing global is shared).
/// </summary>
public class ConcurrencyTests
{
    private sealed record Result(int[] Labels, float[,] Probabilities, string Parameters);

    private static Result FitAlone(string name)
    {
        var c = EstimatorRegistry.All.Single(e => e.Name == name);
        var data = EstimatorChecks.Blobs(3, 30, c.Features, 1);
        using var model = c.Create(3, 21).Fit(data);
        var ms = new MemoryStream();
        model.Save(ms);
        return new Result(model.Predict(data), model.PredictProbabilities(data), DeterminismStress.ParameterHash(ms.ToArray()));
    }

    [Theory]
    [InlineData("GaussianMixture/full", "AutoencoderMixture")]
    [InlineData("KMeans", "ClusteringModuleAutoencoder")]
    [InlineData("DirichletProcessGaussianMixture", "NeuralMixtureEm")]
    [InlineData("MixtureOfAutoencoders/mixae", "SoftRegularizedKMeans")]
    [InlineData("DeepDirichletProcessMixture", "DeepDirichletProcessMixture")]
    public async Task TwoFitsAtOnceGiveTheResultsOfFitsAlone(string first, string second)
    {
        var aloneFirst = FitAlone(first);
        var aloneSecond = FitAlone(second);
        using var barrier = new Barrier(2);
        Result Concurrent(string name)
        {
            barrier.SignalAndWait();
            return FitAlone(name);
        }
        var a = Task.Factory.StartNew(() => Concurrent(first), TaskCreationOptions.LongRunning);
        var b = Task.Factory.StartNew(() => Concurrent(second), TaskCreationOptions.LongRunning);
        var results = await Task.WhenAll(a, b);
        foreach (var (alone, together, name) in new[] { (aloneFirst, results[0], first), (aloneSecond, results[1], second) })
        {
            Assert.Equal(alone.Labels, together.Labels);
            Assert.Equal(alone.Probabilities, together.Probabilities);
            Assert.True(alone.Parameters == together.Parameters, $"{name}: saved parameters differ when fitted beside another model.");
        }
    }
}
