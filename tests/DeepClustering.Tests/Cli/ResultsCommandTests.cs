namespace DeepClustering.Tests.Cli;

/// <summary>The <c>results</c> command that writes the README's table from reproduction runs.</summary>
[Collection("Console")]
public sealed class ResultsCommandTests
{
    private static string Line(string model, int seed, double acc, double seconds = 10) =>
        $$"""{"model":"{{model}}","data":"mnist-test","n":10000,"d":784,"k":10,"effective_k":10,"acc":{{acc}},"nmi":0.5,"ari":0.4,"purity":0.6,"seconds":{{seconds}},"seed":{{seed}}}""";

    [Fact]
    public void AggregatesSeedsWithSampleStandardDeviationAndPublishedFigures()
    {
        string input = Path.GetTempFileName(), output = Path.GetTempFileName();
        try
        {
            // Seed 1 appears twice: the later line replaces the earlier one (a re-run).
            File.WriteAllLines(input, [Line("ae-gmm", 0, 0.80), Line("ae-gmm", 1, 0.10), "", Line("ae-gmm", 1, 0.82), Line("ae-gmm", 2, 0.84), Line("kmeans", 0, 0.5)]);
            var (code, stdout, stderr) = ConsoleCapture.Run("results", "--in", input, "--out", output);
            Assert.True(code == 0, stderr);
            Assert.Equal(stdout, File.ReadAllText(output));
            string aeRow = stdout.Split('\n').Single(l => l.StartsWith("| ae-gmm ", StringComparison.Ordinal));
            Assert.Contains("| 0,1,2 | 0.820 ± 0.020 |", aeRow);        // mean of 0.80, 0.82, 0.84; sample sd 0.02
            Assert.Contains("IDEC Tab. 2", aeRow);
            // Catalog order: kmeans before ae-gmm.
            Assert.True(stdout.IndexOf("| kmeans ", StringComparison.Ordinal) < stdout.IndexOf("| ae-gmm ", StringComparison.Ordinal));
        }
        finally { File.Delete(input); File.Delete(output); }
    }

    [Fact]
    public void AMalformedLineNamesTheFileAndLine()
    {
        string input = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(input, [Line("kmeans", 0, 0.5), "{\"model\":\"kmeans\"}"]);
            var (code, _, stderr) = ConsoleCapture.Run("results", "--in", input);
            Assert.Equal(2, code);
            Assert.Contains(input, stderr);
            Assert.Contains("line 2", stderr);
        }
        finally { File.Delete(input); }
    }

    [Fact]
    public void AMissingFileSaysHowToMakeIt()
    {
        var (code, _, stderr) = ConsoleCapture.Run("results", "--in", "/nonexistent/runs.jsonl");
        Assert.Equal(2, code);
        Assert.Contains("reproduce.sh", stderr);
    }
}
