using System.Globalization;
using System.Text;
using System.Text.Json;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Metrics;
using Spectre.Console;

namespace DeepClustering.Cli;

/// <summary>What one run produced: the <c>--json</c> line, the table, and the files under <c>--out</c>.</summary>
internal sealed record RunResult(string Model, string Data, int N, int D, int K, int EffectiveK,
    double? Acc, double? Nmi, double? Ari, double? Purity, double Seconds, int Seed)
{
    public static RunResult Create(string model, Dataset data, IClusteringModel fitted, int[] predicted, double seconds, int seed)
    {
        var report = data.Labels is { } y ? ClusterScores.Evaluate(y.ToArray(), predicted) : null;
        // Models that learn K report it; otherwise the clusters actually used by the predictions.
        int effective = fitted switch
        {
            Mixtures.DirichletProcessGaussianMixtureModel dp => dp.EffectiveClusters,
            Models.DeepDirichletProcessMixtureModel deep => deep.EffectiveClusters,
            _ => predicted.Distinct().Count(),
        };
        return new RunResult(model, data.Name, data.Rows, data.Columns, fitted.Clusters, effective,
            report?.Accuracy, report?.Nmi, report?.Ari, report?.Purity, seconds, seed);
    }

    /// <summary>The one-line JSON contract: model, data, n, d, k, effective_k, acc, nmi, ari, purity, seconds, seed.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", Model); w.WriteString("data", Data);
            w.WriteNumber("n", N); w.WriteNumber("d", D); w.WriteNumber("k", K); w.WriteNumber("effective_k", EffectiveK);
            Write(w, "acc", Acc); Write(w, "nmi", Nmi); Write(w, "ari", Ari); Write(w, "purity", Purity);
            w.WriteNumber("seconds", Math.Round(Seconds, 3)); w.WriteNumber("seed", Seed);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public void PrintTable()
    {
        var table = new Table().AddColumns("model", "data", "n x d", "k", "ACC", "NMI", "ARI", "purity", "seconds");
        table.AddRow(Model, Data, $"{N} x {D}", EffectiveK == K ? $"{K}" : $"{K} ({EffectiveK} used)",
            Format(Acc), Format(Nmi), Format(Ari), Format(Purity), Seconds.ToString("F1", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }

    public void WriteTo(string directory, int[] predicted)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllLines(Path.Combine(directory, "labels.csv"),
            predicted.Select(p => p.ToString(CultureInfo.InvariantCulture)).Prepend("label"));
        File.WriteAllText(Path.Combine(directory, "metrics.json"), ToJson() + Environment.NewLine);
    }

    private static void Write(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v) w.WriteNumber(name, Math.Round(v, 6)); else w.WriteNull(name);
    }

    private static string Format(double? v) => v is { } x ? x.ToString("F4", CultureInfo.InvariantCulture) : "-";
}
