using DeepClustering.Data;
using DeepClustering.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Networks;

public class NetworkTests
{
    private static AutoencoderArchitecture Mlp(int input = 20, bool tanh = false, bool glorot = true, ActivationKind act = ActivationKind.ReLU) =>
        new(NetworkKind.Mlp, input, new[] { 16, 8 }, 3, act, tanh, glorot);

    [Fact]
    public void MlpAutoencoderHasExpectedShapes()
    {
        using var gen = new Generator(1, CPU);
        using var net = Mlp().Create(gen);
        using var scope = NewDisposeScope();
        var x = rand(5, 20, generator: gen);
        Assert.Equal(new long[] { 5, 3 }, net.Encode(x).shape);
        Assert.Equal(new long[] { 5, 20 }, net.forward(x).shape);
        Assert.Equal(new long[] { 5, 20 }, net.Decode(zeros(5, 3)).shape);
        // 20*16+16 + 16*8+8 + 8*3+3 encoder, mirrored decoder.
        long expected = (20 * 16 + 16) + (16 * 8 + 8) + (8 * 3 + 3) + (3 * 8 + 8) + (8 * 16 + 16) + (16 * 20 + 20);
        Assert.Equal(expected, net.parameters().Sum(p => p.numel()));
        Assert.Equal(expected, Mlp().ParameterCount());
    }

    [Fact]
    public void TanhBottleneckBoundsTheCodes()
    {
        using var gen = new Generator(2, CPU);
        using var net = Mlp(tanh: true, act: ActivationKind.LeakyReLU).Create(gen);
        using var scope = NewDisposeScope();
        var z = net.Encode(rand(50, 20, generator: gen) * 100);
        Assert.True(z.abs().max().item<float>() <= 1f);
    }

    [Fact]
    public void SameSeedGivesSameWeightsWhateverTheGlobalGeneratorDoes()
    {
        float[] Weights(ulong seed)
        {
            using var scope = NewDisposeScope();
            _ = rand(10); // global RNG traffic must not matter
            using var gen = new Generator(seed, CPU);
            using var net = Mlp().Create(gen);
            return net.parameters().Select(p => p.detach().flatten()).Aggregate((a, b) => cat(new[] { a, b })).data<float>().ToArray();
        }
        Assert.Equal(Weights(5), Weights(5));
        Assert.NotEqual(Weights(5), Weights(6));
    }

    [Fact]
    public void GlorotInitHasBoundedWeightsAndZeroBiasesWhilePyTorchDefaultDrawsBiases()
    {
        using var gen = new Generator(3, CPU);
        using var glorot = Mlp(glorot: true).Create(gen);
        using var torchDefault = Mlp(glorot: false).Create(gen);
        foreach (var (name, p) in glorot.named_parameters())
        {
            if (name.EndsWith("bias")) Assert.Equal(0f, p.abs().max().item<float>());
            else
            {
                double bound = Math.Sqrt(6.0 / (p.shape[0] + p.shape[1]));
                Assert.True(p.abs().max().item<float>() <= bound + 1e-6, name);
                Assert.True(p.abs().max().item<float>() > bound * 0.5, name);
            }
        }
        foreach (var (name, p) in torchDefault.named_parameters().Where(n => n.name.EndsWith("bias")))
            Assert.True(p.abs().max().item<float>() > 0, name);
        foreach (var (name, p) in torchDefault.named_parameters().Where(n => n.name.EndsWith("weight")))
            Assert.True(p.abs().max().item<float>() <= 1 / Math.Sqrt(p.shape[1]) + 1e-6, name);
    }

    [Theory]
    [InlineData(28, 3)]
    [InlineData(16, 3)]
    [InlineData(16, 2)]
    public void ConvolutionalAutoencoderRestoresTheImageSize(int side, int layers)
    {
        var arch = new AutoencoderArchitecture(NetworkKind.Convolutional, side * side, new[] { 4, 8, 16 }.Take(layers).ToArray(), 5,
            Image: new ImageShape(1, side, side));
        using var gen = new Generator(4, CPU);
        using var net = arch.Create(gen);
        using var scope = NewDisposeScope();
        var x = rand(3, side * side, generator: gen);
        var z = net.Encode(x);
        Assert.Equal(new long[] { 3, 5 }, z.shape);
        var r = net.forward(x);
        Assert.Equal(new long[] { 3, side * side }, r.shape);
        nn.functional.mse_loss(r, x).backward();
        Assert.All(net.parameters(), p => Assert.NotNull(p.grad));
    }

    [Fact]
    public void ConvolutionalAutoencoderRejectsTooSmallImagesAndTabularData()
    {
        var tiny = new AutoencoderArchitecture(NetworkKind.Convolutional, 16, new[] { 4, 8, 16 }, 2, Image: new ImageShape(1, 4, 4));
        Assert.Throws<ArgumentException>(() => tiny.Validate());
        var tabular = new AutoencoderArchitecture(NetworkKind.Convolutional, 16, new[] { 4 }, 2);
        Assert.Contains("Mlp", Assert.Throws<ArgumentException>(() => tabular.Validate()).Message);
    }

    [Fact]
    public void DefaultHiddenSizesFollowTheInputWidth()
    {
        Assert.Equal(new[] { 500, 500, 2000 }, AutoencoderArchitecture.DefaultHiddenSizes(NetworkKind.Mlp, 784));
        Assert.Equal(new[] { 128, 64 }, AutoencoderArchitecture.DefaultHiddenSizes(NetworkKind.Mlp, 64));
        Assert.Equal(new[] { 64, 64 }, AutoencoderArchitecture.DefaultHiddenSizes(NetworkKind.Mlp, 4));
    }

    [Fact]
    public void CloneCopiesWeightsAndIsIndependent()
    {
        using var gen = new Generator(5, CPU);
        using var net = Mlp().Create(gen);
        using var copy = net.Clone(CPU);
        using var scope = NewDisposeScope();
        var x = rand(4, 20, generator: gen);
        Assert.True(net.forward(x).eq(copy.forward(x)).all().item<bool>());
        using (no_grad()) foreach (var p in copy.parameters()) p.add_(1);
        Assert.False(net.forward(x).eq(copy.forward(x)).all().item<bool>());
    }

    [Fact]
    public void GroupedLinearMatchesSeparateLinearMaps()
    {
        using var gen = new Generator(6, CPU);
        using var layer = new GroupedLinear(3, 4, 2, WeightInitKind.PyTorchDefault, gen);
        using var scope = NewDisposeScope();
        var x = rand(3, 5, 4, generator: gen);
        var y = layer.forward(x);
        Assert.Equal(new long[] { 3, 5, 2 }, y.shape);
        var p = layer.parameters().ToArray(); // weight [K,in,out], bias [K,1,out]
        var w = p.Single(t => t.dim() == 3 && t.shape[1] == 4);
        var b = p.Single(t => t.shape[1] == 1);
        for (int k = 0; k < 3; k++)
        {
            var expected = x[k].matmul(w[k]) + b[k];
            Assert.True(y[k].allclose(expected, 1e-5, 1e-6));
        }
        var shared = rand(5, 4, generator: gen);
        Assert.True(layer.forward(shared).allclose(layer.forward(shared.unsqueeze(0).expand(3, 5, 4)), 1e-5, 1e-6));
        Assert.Throws<ArgumentException>(() => layer.forward(rand(2, 5, 4)));
    }

    [Fact]
    public void GroupedMlpRunsKNetworksAtOnce()
    {
        using var gen = new Generator(7, CPU);
        using var mlp = new GroupedMlp(4, new[] { 6, 5, 3 }, ActivationKind.LeakyReLU, WeightInitKind.GlorotUniform, gen, tanhOutput: true);
        using var scope = NewDisposeScope();
        var y = mlp.forward(rand(7, 6, generator: gen));
        Assert.Equal(new long[] { 4, 7, 3 }, y.shape);
        Assert.True(y.abs().max().item<float>() <= 1f);
        // Different groups have different weights, so different outputs.
        Assert.False(y[0].allclose(y[1]));
    }
}
