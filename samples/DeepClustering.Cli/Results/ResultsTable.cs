using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DeepClustering.Cli.Results;

/// <summary>
/// Aggregates the <c>cluster --json</c> lines of a reproduction run (one line per data set, model and seed) into the
/// README's results table: mean ± sample standard deviation over seeds, and the published figure beside ours.
/// </summary>
internal static class ResultsTable
{
    private sealed record Run(string Model, string Data, int Seed, int K, int EffectiveK, double? Acc, double? Nmi, double? Ari, double? Purity, double Seconds);

    /// <summary>Reads JSON lines; blank lines are skipped, and a later line for the same data, model and seed replaces an earlier one.</summary>
    public static string FromJsonLines(IEnumerable<string> lines, string source)
    {
        var runs = new Dictionary<(string, string, int), Run>();
        int lineNumber = 0;
        foreach (var line in lines)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            Run run;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var r = doc.RootElement;
                run = new Run(r.GetProperty("model").GetString()!, r.GetProperty("data").GetString()!, r.GetProperty("seed").GetInt32(),
                    r.GetProperty("k").GetInt32(), r.GetProperty("effective_k").GetInt32(), Number(r, "acc"), Number(r, "nmi"),
                    Number(r, "ari"), Number(r, "purity"), r.GetProperty("seconds").GetDouble());
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new DataFormatException(source, $"line {lineNumber} is not a `cluster --json` result line ({e.Message})", e);
            }
            runs[(run.Data, run.Model, run.Seed)] = run;
        }
        return Render(runs.Values.ToList());
    }

    private static string Render(List<Run> runs)
    {
        var modelOrder = ModelCatalog.Entries.Select(e => e.Name).ToList();
        var sb = new StringBuilder();
        foreach (var data in runs.Select(r => r.Data).Distinct())
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"**{data}**");
            sb.AppendLine();
            sb.AppendLine("| model | seeds | ACC | NMI | ARI | purity | clusters used | seconds per run | published ACC / NMI (source) |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
            var groups = runs.Where(r => r.Data == data).GroupBy(r => r.Model)
                .OrderBy(g => modelOrder.IndexOf(g.Key) is var i && i < 0 ? int.MaxValue : i).ThenBy(g => g.Key, StringComparer.Ordinal);
            foreach (var g in groups)
            {
                var rs = g.OrderBy(r => r.Seed).ToList();
                var published = PublishedReference.Find(data, g.Key) is { } p
                    ? $"{p.Acc:0.000} / {(p.Nmi is { } n ? n.ToString("0.000", CultureInfo.InvariantCulture) : "–")} ({p.Source})"
                    : "–";
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"| {g.Key} | {string.Join(",", rs.Select(r => r.Seed))} | {Stat(rs.Select(r => r.Acc))} | {Stat(rs.Select(r => r.Nmi))} | {Stat(rs.Select(r => r.Ari))} | {Stat(rs.Select(r => r.Purity))} | {Clusters(rs)} | {rs.Average(r => r.Seconds):0} | {published} |");
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static double? Number(JsonElement r, string name) =>
        r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    /// <summary>"mean ± sd" over seeds (sample standard deviation); a single run prints its value alone.</summary>
    internal static string Stat(IEnumerable<double?> values)
    {
        var xs = values.Where(v => v.HasValue).Select(v => v!.Value).ToArray();
        if (xs.Length == 0) return "–";
        double mean = xs.Average();
        if (xs.Length == 1) return mean.ToString("0.000", CultureInfo.InvariantCulture);
        double sd = Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Length - 1));
        return string.Create(CultureInfo.InvariantCulture, $"{mean:0.000} ± {sd:0.000}");
    }

    private static string Clusters(List<Run> rs)
    {
        var used = rs.Select(r => r.EffectiveK).Distinct().OrderBy(k => k).ToList();
        return used.Count == 1 ? used[0].ToString(CultureInfo.InvariantCulture) : string.Join("/", rs.Select(r => r.EffectiveK));
    }
}
