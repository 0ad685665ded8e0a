using System.Reflection;

namespace DeepClustering.Tests.Samples;

/// <summary>The NeuralMixtureEm sample (a top-level program) runs its ablation at tiny settings, so it cannot rot.</summary>
[Collection("Console")]
public sealed class NeuralMixtureEmSampleTests
{
    private static (int Code, string Out) RunSample(params string[] args)
    {
        var entry = Assembly.Load("NeuralMixtureEm").EntryPoint!;
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var output = new StringWriter();
        Console.SetOut(output); Console.SetError(output);
        try { return ((int)entry.Invoke(null, [args])!, output.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    [Fact]
    public void AblationRunsEveryObjectiveOnSmallImages()
    {
        var (code, text) = RunSample("usps", "--rows", "300", "--epochs", "1", "--seeds", "0", "--ablation");
        Assert.True(code == 0, text);
        Assert.Contains("Convolutional", text);
        foreach (var variant in new[] { "EM alone, no augmentation:", "consistency alone:", "EM + consistency:" })
            Assert.Matches(variant.Replace("+", @"\+") + @" ACC 0\.\d{4}", text);
    }

    [Fact]
    public void ImagesTooSmallForTheConvolutionalBackboneUseTheMlp()
    {
        var (code, text) = RunSample("digits", "--rows", "100", "--epochs", "1", "--seeds", "0");
        Assert.True(code == 0, text);
        Assert.Contains("Mlp", text);
    }
}
