using System.Text.Json.Nodes;
using DeepClustering.Cli;

namespace DeepClustering.Tests.Cli;

/// <summary>The <c>stress</c> commands at tiny sizes: one JSON line each, with the figures the long runs report.</summary>
[Collection("Console")]
public sealed class StressCommandTests
{
    private static JsonObject Json(string stdout)
    {
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        return JsonNode.Parse(lines[0])!.AsObject();
    }

    [Fact]
    public void FuzzCoversEveryFormatWithoutFailures()
    {
        var (code, stdout, _) = ConsoleCapture.Run("stress", "fuzz", "--inputs", "400", "--seed", "9");
        var json = Json(stdout);
        Assert.Equal(0, (int)json["failures"]!);
        Assert.Equal(0, code);
        Assert.True((int)json["inputs"]! >= 400);
        foreach (var format in new[] { "model", "idx", "npy", "csv" })
            Assert.True((int)json["per_format"]![format]!["rejected"]! > 0, $"no {format} input was rejected");
        Assert.True((double)json["peak_working_set_mb"]! > 0);
    }

    [Fact]
    public void MemoryReportsTheWorkingSetGrowth()
    {
        var (code, stdout, _) = ConsoleCapture.Run("stress", "memory", "--gmm-cycles", "10", "--deep-cycles", "2", "--max-growth-mb", "100000");
        var json = Json(stdout);
        Assert.Equal(0, code);
        Assert.True((bool)json["within_budget"]!);
        Assert.True((double)json["working_set_end_mb"]! > 0);
    }

    [Fact]
    public void DeterminismHashesEveryCatalogModelTheSameWayTwice()
    {
        var first = Json(ConsoleCapture.Run("stress", "determinism", "--seed", "4").Out)["models"]!.AsArray();
        var second = Json(ConsoleCapture.Run("stress", "determinism", "--seed", "4").Out)["models"]!.AsArray();
        Assert.Equal(ModelCatalog.Entries.Count, first.Count);
        for (int i = 0; i < first.Count; i++)
        {
            Assert.Equal((string?)first[i]!["labels"], (string?)second[i]!["labels"]);
            Assert.Equal((string?)first[i]!["parameters"], (string?)second[i]!["parameters"]);
        }
        var (code, _, _) = ConsoleCapture.Run("stress", "determinism", "--model", "no-such-model");
        Assert.NotEqual(0, code);
    }
}
