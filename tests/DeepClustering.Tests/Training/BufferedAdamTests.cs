using DeepClustering.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Training;

public class BufferedAdamTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.01)]
    public void MatchesTorchSharpAdam(double weightDecay)
    {
        using var gen = new Generator(3, CPU);
        using var a = new Parameter(randn(new long[] { 4, 3 }, generator: gen));
        using var b = new Parameter(a.detach().clone());
        using var target = randn(new long[] { 4, 3 }, generator: gen);
        using var reference = optim.Adam(new[] { a }, 0.05, weight_decay: weightDecay);
        using var buffered = BufferedAdam.Create(new[] { b }, 0.05, weightDecay);
        for (int step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            foreach (var (p, opt) in new (Parameter, optim.Optimizer)[] { (a, reference), (b, buffered) })
            {
                opt.zero_grad();
                (p - target).pow(2).sum().backward();
                opt.step();
            }
        }
        Assert.True(a.allclose(b, 1e-5, 1e-6));
        Assert.False(a.allclose(target, 1e-3, 1e-3)); // still moving: the comparison is not trivial
    }

    [Fact]
    public void LearningRateCanBeChangedThroughParamGroups()
    {
        using var p = new Parameter(ones(2));
        using var opt = BufferedAdam.Create(new[] { p }, 1.0);
        foreach (var g in opt.ParamGroups) g.LearningRate = 0;
        p.sum().backward();
        opt.step();
        Assert.Equal(1f, p[0].item<float>());
    }
}
