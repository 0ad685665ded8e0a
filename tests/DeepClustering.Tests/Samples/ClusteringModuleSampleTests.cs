using DeepClustering.Samples;

namespace DeepClustering.Tests.Samples;

public sealed class ClusteringModuleSampleTests
{
    [Fact]
    public void ShallowAndDeepCommandsRunAndScore()
    {
        var output = new StringWriter();
        Assert.Equal(0, ClusteringModuleSample.Run(output, new[] { "cm", "iris", "--epochs", "2" }));
        Assert.Equal(0, ClusteringModuleSample.Run(output, new[]
        {
            "aecm", "iris", "--hidden", "8", "--latent", "3", "--pretrain-epochs", "2", "--warmup", "1", "--epochs", "1", "--beta", "1",
        }));
        var text = output.ToString();
        Assert.Contains("RESULT CM iris", text);
        Assert.Contains("RESULT AE-CM iris", text);
        Assert.Equal(2, ClusteringModuleSample.Run(output, Array.Empty<string>()));
    }
}
