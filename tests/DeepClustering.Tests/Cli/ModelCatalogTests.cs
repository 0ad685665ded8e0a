using System.Text.Json;
using DeepClustering.Cli;

namespace DeepClustering.Tests.Cli;

/// <summary>Every model in the CLI catalog fits and reports through the JSON contract (tiny settings).</summary>
[Collection("Console")]
public sealed class ModelCatalogTests
{
    public static TheoryData<string> Models() => new(ModelCatalog.Entries.Select(e => e.Name));

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryCatalogModelRunsWithTinySettings(string model)
    {
        var (code, stdout, stderr) = ConsoleCapture.Run("cluster", "--data", "iris", "--model", model, "--json",
            "--epochs", "1", "--pretrain-epochs", "1", "--max-iterations", "5", "--batch-size", "32", "--seed", "1");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout.Trim());
        Assert.Equal(model, doc.RootElement.GetProperty("model").GetString());
        // Models that learn K may use more clusters than classes, which ACC counts as errors; purity does not.
        bool learnsK = model.StartsWith("dpgmm", StringComparison.Ordinal);
        Assert.InRange(doc.RootElement.GetProperty("acc").GetDouble(), learnsK ? 0.0 : 1.0 / 3, 1.0);
        Assert.InRange(doc.RootElement.GetProperty("purity").GetDouble(), learnsK ? 0.6 : 1.0 / 3, 1.0);
        Assert.InRange(doc.RootElement.GetProperty("effective_k").GetInt32(), 1, doc.RootElement.GetProperty("k").GetInt32());
    }
}
