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
}
