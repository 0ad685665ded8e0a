using System.Text.Json;
using DeepClustering.Data;
using DeepClustering.Models;
using DeepClustering.Persistence;

namespace DeepClustering.Tests.Cli;

[Collection("Console")]
public sealed class ClusterCommandTests
{
    private static readonly string[] JsonKeys = ["model", "data", "n", "d", "k", "effective_k", "acc", "nmi", "ari", "purity", "seconds", "seed"];

    [Theory]
    [InlineData("kmeans")]
    [InlineData("gmm")]
    public void JsonPrintsExactlyOneLineWithTheContractKeys(string model)
    {
        var (code, stdout, _) = ConsoleCapture.Run("cluster", "--data", "iris", "--model", model, "--json", "--seed", "3");
        Assert.Equal(0, code);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        using var doc = JsonDocument.Parse(lines[0]);
        Assert.Equal(JsonKeys, doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        var r = doc.RootElement;
        Assert.Equal(model, r.GetProperty("model").GetString());
        Assert.Equal(150, r.GetProperty("n").GetInt32());
        Assert.Equal(4, r.GetProperty("d").GetInt32());
        Assert.Equal(3, r.GetProperty("k").GetInt32());
        Assert.Equal(3, r.GetProperty("seed").GetInt32());
        // Iris is easy: both models find the species well above chance.
        Assert.InRange(r.GetProperty("acc").GetDouble(), 0.8, 1.0);
        Assert.InRange(r.GetProperty("nmi").GetDouble(), 0.6, 1.0);
    }

    [Fact]
    public void UnlabelledDataGiveNullMetricsAndRequireClusters()
    {
        var dir = Directory.CreateTempSubdirectory("dc-cli-");
        try
        {
            var csv = Path.Combine(dir.FullName, "points.csv");
            File.WriteAllLines(csv, Enumerable.Range(0, 40).Select(i => $"{(i % 2) * 10 + i * 0.01},{(i % 2) * -5 + i * 0.02}"));
            var (missing, _, err) = ConsoleCapture.Run("cluster", "--data", csv, "--json");
            Assert.NotEqual(0, missing);
            Assert.Contains("--clusters", err);

            var (code, stdout, _) = ConsoleCapture.Run("cluster", "--data", csv, "--clusters", "2", "--json");
            Assert.Equal(0, code);
            using var doc = JsonDocument.Parse(stdout.Trim());
            foreach (var key in new[] { "acc", "nmi", "ari", "purity" })
                Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty(key).ValueKind);
            Assert.Equal(2, doc.RootElement.GetProperty("effective_k").GetInt32());
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void OutWritesLabelsAndMetricsAndTheModelPredictsTheSameLabels()
    {
        var dir = Directory.CreateTempSubdirectory("dc-cli-");
        try
        {
            var model = Path.Combine(dir.FullName, "model.dcm");
            var (code, _, _) = ConsoleCapture.Run("cluster", "--data", "wine", "--model", "gmm", "--covariance", "diag",
                "--out", dir.FullName, "--save-model", model, "--quiet");
            Assert.Equal(0, code);
            var labels = File.ReadAllLines(Path.Combine(dir.FullName, "labels.csv"));
            Assert.Equal("label", labels[0]);
            Assert.Equal(178, labels.Length - 1);
            using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, "metrics.json"))))
                Assert.Equal("gmm", doc.RootElement.GetProperty("model").GetString());

            var predictDir = Path.Combine(dir.FullName, "predict");
            var (pcode, _, perr) = ConsoleCapture.Run("predict", "--model-file", model, "--data", "wine", "--out", predictDir, "--json");
            Assert.True(pcode == 0, perr);
            Assert.Equal(labels, File.ReadAllLines(Path.Combine(predictDir, "labels.csv")));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void PredictWritesTheCodesOfADeepModelAndRefusesAShallowOne()
    {
        var dir = Directory.CreateTempSubdirectory("dc-cli-");
        try
        {
            var deep = Path.Combine(dir.FullName, "deep.dcm");
            var (code, _, err) = ConsoleCapture.Run("cluster", "--data", "iris", "--model", "sr-kmeans", "--latent-size", "3",
                "--epochs", "1", "--pretrain-epochs", "1", "--seed", "1", "--save-model", deep, "--quiet");
            Assert.True(code == 0, err);
            var codes = Path.Combine(dir.FullName, "codes.npy");
            var (pcode, _, perr) = ConsoleCapture.Run("predict", "--model-file", deep, "--data", "iris", "--embed-out", codes, "--json");
            Assert.True(pcode == 0, perr);
            var written = NpyReader.Read(codes);
            Assert.Equal(150, written.Rows);
            Assert.Equal(3, written.Columns);
            using (var model = ModelFile.Load<SoftRegularizedKMeansModel>(deep))
                Assert.Equal(model.Embed(EmbeddedDatasets.Load("iris")).Cast<float>(), written.ToArray().Cast<float>());

            var shallow = Path.Combine(dir.FullName, "gmm.dcm");
            Assert.Equal(0, ConsoleCapture.Run("cluster", "--data", "iris", "--model", "gmm", "--save-model", shallow, "--quiet").ExitCode);
            var (scode, _, serr) = ConsoleCapture.Run("predict", "--model-file", shallow, "--data", "iris", "--embed-out", codes);
            Assert.NotEqual(0, scode);
            Assert.Contains("--embed-out", serr);
        }
        finally { dir.Delete(true); }
    }

    [Theory]
    [InlineData("cluster", "--data", "iris", "--model", "no-such-model")]
    [InlineData("cluster", "--data", "no-such-file.csv")]
    [InlineData("cluster", "--data", "iris", "--covariance", "banana", "--model", "gmm")]
    [InlineData("cluster", "--data", "iris", "--no-such-option")]
    [InlineData("predict", "--model-file", "no-such-model.dcm", "--data", "iris")]
    public void BadInvocationsFailWithAMessage(params string[] args)
    {
        var (code, _, err) = ConsoleCapture.Run(args);
        Assert.NotEqual(0, code);
        Assert.False(string.IsNullOrWhiteSpace(err));
    }
}
