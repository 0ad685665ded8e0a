using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepClustering.Cli.Stress;

/// <summary>
/// <c>stress determinism</c>: fits every <see cref="ModelCatalog"/> model with tiny settings and the same seed on
/// a small dataset and hashes the predicted labels and the saved parameters (every tensor of the model file and
/// the manifest without the fit summary, which holds the elapsed time). <c>--compare</c> runs this in two child
/// processes and compares the hashes.
/// </summary>
internal static class DeterminismStress
{
    public static Dictionary<string, object> Run(int seed, string? only)
    {
        var data = ModelFileFuzz.Blobs(300, 6, 2);
        var settings = new CliModelSettings(Clusters: 3, Seed: seed, Device: "cpu", Covariance: null, Restarts: 1, MaxIterations: 20,
            Epochs: 2, PretrainEpochs: 2, BatchSize: 50, LearningRate: null, LatentSize: 2);
        var models = new List<object>();
        foreach (var entry in ModelCatalog.Entries)
        {
            if (only is not null && !string.Equals(only, entry.Name, StringComparison.OrdinalIgnoreCase)) continue;
            var sw = Stopwatch.StartNew();
            using var model = entry.Create(settings, data).Fit(data);
            var labels = model.Predict(data);
            var ms = new MemoryStream();
            model.Save(ms);
            models.Add(new
            {
                model = entry.Name,
                labels = Hash(labels.SelectMany(BitConverter.GetBytes).ToArray()),
                parameters = ParameterHash(ms.ToArray()),
                seconds = Math.Round(sw.Elapsed.TotalSeconds, 2),
            });
        }
        if (models.Count == 0) throw new ArgumentException($"--model '{only}' is unknown; choose one of: {string.Join(", ", ModelCatalog.Entries.Select(e => e.Name))}.");
        return new Dictionary<string, object> { ["command"] = "stress determinism", ["seed"] = seed, ["process"] = Environment.ProcessId, ["models"] = models };
    }

    /// <summary>Runs <see cref="Run"/> in two child processes, one after the other, and compares the hashes model by model.</summary>
    public static Dictionary<string, object> Compare(int seed, string? only)
    {
        var runs = new[] { Child(seed, only), Child(seed, only) };
        var first = runs[0]["models"]!.AsArray();
        var second = runs[1]["models"]!.AsArray();
        var rows = new List<object>();
        bool identical = first.Count == second.Count && first.Count > 0;
        for (int i = 0; i < Math.Min(first.Count, second.Count); i++)
        {
            bool sameLabels = (string?)first[i]!["labels"] == (string?)second[i]!["labels"];
            bool sameParameters = (string?)first[i]!["parameters"] == (string?)second[i]!["parameters"];
            identical &= sameLabels && sameParameters && (string?)first[i]!["model"] == (string?)second[i]!["model"];
            rows.Add(new { model = (string?)first[i]!["model"], labels = (string?)first[i]!["labels"], parameters = (string?)first[i]!["parameters"], same_labels = sameLabels, same_parameters = sameParameters });
        }
        return new Dictionary<string, object>
        {
            ["command"] = "stress determinism --compare",
            ["seed"] = seed,
            ["processes"] = new[] { (int)runs[0]["process"]!, (int)runs[1]["process"]! },
            ["models"] = rows,
            ["identical"] = identical,
        };
    }

    private static JsonObject Child(int seed, string? only)
    {
        var exe = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this program is unknown.");
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(exe).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var a in new[] { "stress", "determinism", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture) }) start.ArgumentList.Add(a);
        if (only is not null) { start.ArgumentList.Add("--model"); start.ArgumentList.Add(only); }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start a child process.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"the child process failed ({process.ExitCode}): {stderr.Result}{stdout}");
        return JsonNode.Parse(stdout.Trim().Split('\n')[^1])!.AsObject();
    }

    /// <summary>Hash of a model file's tensors and of its manifest without the fit summary (elapsed time), library version and tensor table.</summary>
    public static string ParameterHash(byte[] modelFile)
    {
        using var zip = new ZipArchive(new MemoryStream(modelFile), ZipArchiveMode.Read);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var entry in zip.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            using var s = entry.Open();
            var ms = new MemoryStream();
            s.CopyTo(ms);
            var bytes = ms.ToArray();
            // A tensor that is itself a model file (a deep model's latent mixture) is hashed the same way, since
            // its own summary holds an elapsed time.
            if (bytes.Length > 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && bytes[2] == 3 && bytes[3] == 4)
                bytes = System.Text.Encoding.UTF8.GetBytes(ParameterHash(bytes));
            else if (entry.FullName == "manifest.json")
            {
                var manifest = JsonNode.Parse(bytes)!.AsObject();
                manifest.Remove("summary");
                manifest.Remove("library");
                // The tensor table holds the byte length of a nested model file, which varies with its elapsed
                // time's digits; the tensors themselves are hashed entry by entry.
                manifest.Remove("tensors");
                bytes = JsonSerializer.SerializeToUtf8Bytes(manifest);
            }
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(entry.FullName));
            sha.AppendData(bytes);
        }
        return Convert.ToHexString(sha.GetHashAndReset())[..16].ToLowerInvariant();
    }

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes))[..16].ToLowerInvariant();
}
