using DeepClustering.Mixtures;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Mixtures;

/// <summary>The one-pass host version of centring and augmenting rows against the two tensor steps it replaces.</summary>
public class CenteringTests
{
    [Theory]
    [InlineData(CovarianceType.Diagonal, ScalarType.Float32, ScalarType.Float32)]
    [InlineData(CovarianceType.Diagonal, ScalarType.Float32, ScalarType.Float64)]
    [InlineData(CovarianceType.Spherical, ScalarType.Float64, ScalarType.Float32)]
    [InlineData(CovarianceType.Full, ScalarType.Float64, ScalarType.Float64)]
    [InlineData(CovarianceType.Tied, ScalarType.Float32, ScalarType.Float32)]
    public void OnePassEqualsCentringThenAugmenting(CovarianceType type, ScalarType input, ScalarType working)
    {
        using var scope = NewDisposeScope();
        var data = (randn(37, 5, dtype: ScalarType.Float64, generator: new Generator(seed: 4)) * 3 + 100).to(input);
        var before = data.clone();
        var center = Centering.ColumnMeans(data, CPU);
        var expected = GaussianMath.Augment(type, Centering.Apply(data, center, working, CPU));
        var actual = Centering.ApplyAugmented(data, center, type, working, CPU);
        Assert.Equal(working, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        // Elementwise the same arithmetic in the working dtype; the spherical row norm may sum in another order.
        double tolerance = type == CovarianceType.Spherical ? 1e-5 : 0;
        var e64 = expected.to(ScalarType.Float64);
        double error = (actual.to(ScalarType.Float64) - e64).abs().max().item<double>();
        Assert.True(error <= tolerance * (e64.abs().max().item<double>() + 1), $"max difference {error:E2}");
        Assert.True(data.eq(before).all().item<bool>(), "the input was modified");
    }
}
