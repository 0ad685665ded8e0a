using DeepClustering.Data;
using DeepClustering.Models;
using DeepClustering.Networks;

namespace DeepClustering.Tests.Networks;

/// <summary>A convolutional backbone on images too small for it is a clear error that names the fix.</summary>
public sealed class ConvolutionalBackboneSizeTests
{
    [Fact]
    public void TooSmallImagesNameTheNetworkOption()
    {
        var digits = EmbeddedDatasets.Load("digits").Slice(0, 100);
        var options = new NeuralMixtureEmOptions { Clusters = 10, Epochs = 1, Network = NetworkKind.Convolutional };
        var e = Assert.Throws<ArgumentException>(() => new NeuralMixtureEm(options).Fit(digits));
        Assert.Contains("NetworkKind.Mlp", e.Message);
    }
}
