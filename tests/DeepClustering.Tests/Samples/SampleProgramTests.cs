using DeepClustering.Samples;

namespace DeepClustering.Tests.Samples;

/// <summary>Every sample program runs in the suite (with its own small settings), so the samples never rot.</summary>
public sealed class SampleProgramTests
{
    [Fact]
    public void QuickStartPicksAModelByBicAndScoresIt()
    {
        var output = new StringWriter();
        Assert.Equal(0, QuickStart.Run(output));
        var text = output.ToString();
        foreach (var type in new[] { "Full", "Diagonal", "Spherical", "Tied" }) Assert.Contains(type, text);
        Assert.Contains("ACC", text);
    }

    [Fact]
    public void SaveLoadPredictRoundTripsTheModel()
    {
        var output = new StringWriter();
        Assert.Equal(0, SaveLoadPredict.Run(output));
        Assert.Contains("predictions identical: True", output.ToString());
    }

    [Fact]
    public void ChoosingKComparesTheBicSweepWithTheDirichletProcess()
    {
        var output = new StringWriter();
        Assert.Equal(0, ChoosingK.ChoosingKSample.Run(output, ["iris"]));
        var text = output.ToString();
        Assert.Contains("lowest BIC at K =", text);
        Assert.Matches(@"Summary: BIC chose K = \d+; the DP mixture found K = \d+; truth K = 3\.", text);
    }

    [Fact]
    public void ChoosingKDeepModeLearnsKWithTheDeepMixture()
    {
        var output = new StringWriter();
        Assert.Equal(0, ChoosingK.ChoosingKSample.Run(output, ["deep", "iris", "0"]));
        Assert.Matches(@"effective K \d+ \(history [\d,]+\), ACC", output.ToString());
    }

    [Fact]
    public void CompareDeepModelsFitsEveryModelOnOneAutoencoder()
    {
        var output = new StringWriter();
        Assert.Equal(0, CompareDeepModels.Run(output, ["digits", "--pretrain-epochs", "5", "--epochs", "1", "--rows", "300"]));
        var text = output.ToString();
        Assert.Contains("digits: 300 x 64, 10 classes", text);
        foreach (var model in new[] { "ae-gmm", "clustering-module", "damic", "sr-kmeans", "dpgmm" })
            Assert.Matches($@"(?m)^{model}.*\s0\.\d{{3}}\s", text);
    }
}
