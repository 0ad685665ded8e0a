using DeepClustering.Models;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Models;

/// <summary>The equal-mass transform: the neurons of the mixture layer are densities of mass 1.</summary>
public class NeuralMixtureEmHeadTests
{
    [Theory]
    [InlineData(2, 0.1)]
    [InlineData(8, 0.1)]
    [InlineData(32, 0.5)]
    public void SphereDensitiesHaveMassOneOnTheSphereWhateverTheWeights(int width, double temperature)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(11, CPU);
        using var head = new NeuralMixtureEmHead(width, 5, DensityNormalization.Sphere, temperature, generator);
        head.eval();
        // Codes uniform on the sphere (normal draws, normalised by the head); Monte Carlo mean of f_k ≈ 1 for every k.
        var codes = empty(40_000, width).normal_(0, 1, generator);
        var mass = head.LogDensities(codes).exp().mean(new long[] { 0 });
        Assert.True(mass.sub(1).abs().max().item<float>() < 0.03, $"masses {string.Join(", ", mass.data<float>().ToArray())}");
        // The kernel itself is not a density: its mean is 1/2.
        Assert.Equal(0.5, head.LogKernels(codes).exp().mean().item<float>(), 1);
    }

    [Fact]
    public void DataDensitiesHaveMeanOneOverTheBatchAndPredictionUsesTheRunningMass()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3, CPU);
        using var head = new NeuralMixtureEmHead(6, 4, DensityNormalization.Data, 0.2, generator);
        // Codes concentrated on one side: the raw kernels are far from mass 1 here.
        var codes = empty(500, 6).normal_(0, 0.3, generator).add_(tensor(new float[] { 2, 0, 0, 0, 0, 0 }));
        head.train();
        var batch = head.BatchLogDensities(codes, updateRunningMass: false).exp().mean(new long[] { 0 });
        Assert.True(batch.sub(1).abs().max().item<float>() < 1e-4);
        Assert.True(head.LogMass.exp().sub(0.5).abs().max().item<float>() < 1e-6, "the running mass must not move without updates.");
        for (int i = 0; i < 100; i++) head.BatchLogDensities(codes, updateRunningMass: true);
        head.eval();
        var predicted = head.LogDensities(codes).exp().mean(new long[] { 0 });
        Assert.True(predicted.sub(1).abs().max().item<float>() < 1e-3);
        var p = head.Probabilities(codes, codes);
        Assert.True(p.sum(1).sub(1).abs().max().item<float>() < 1e-5);
        Assert.True(p.allclose(head.LogPosterior(head.LogDensities(codes)).exp(), atol: 1e-6));
    }

    [Fact]
    public void NeuronsReadTheCosineBetweenCodeAndWeight()
    {
        using var scope = NewDisposeScope();
        using var head = new NeuralMixtureEmHead(2, 2, DensityNormalization.Sphere, 0.1, generator: null);
        head.SetWeights(tensor(new float[] { 1, 0, 0, 3 }).reshape(2, 2));
        var s = head.Scores(tensor(new float[] { 5, 0, 1, 1 }).reshape(2, 2));
        var expected = new[] { 1f, 0f, MathF.Sqrt(0.5f), MathF.Sqrt(0.5f) };
        var actual = s.data<float>().ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], actual[i], 4);
        Assert.Throws<ArgumentException>(() => head.SetWeights(zeros(3, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NeuralMixtureEmHead(2, 2, DensityNormalization.Data, 0, null));
    }
}
