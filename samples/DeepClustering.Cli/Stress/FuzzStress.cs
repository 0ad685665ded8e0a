using System.Diagnostics;

namespace DeepClustering.Cli.Stress;

/// <summary>
/// <c>stress fuzz</c>: about 60 % of the inputs go to the data loaders (IDX, .npy, CSV, a quarter of them
/// gzip-compressed), 40 % to model files. Reports counts per format, failures, the slowest input, the largest
/// managed allocation of one input and the process's peak working set.
/// </summary>
internal static class FuzzStress
{
    public static Dictionary<string, object> Run(int inputs, int seed, double limitSeconds)
    {
        var directory = Path.Combine(Path.GetTempPath(), "dc-stress-fuzz-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var harness = new FuzzHarness(TimeSpan.FromSeconds(limitSeconds));
        var total = Stopwatch.StartNew();
        List<string> nonFinite;
        long baseline;
        try
        {
            int modelInputs = inputs * 2 / 5;
            // Base models first, so that the baseline working set includes libtorch.
            nonFinite = ModelFileFuzz.Run(harness, modelInputs, seed);
            using (var p = Process.GetCurrentProcess()) baseline = p.WorkingSet64;
            LoaderFuzz.Run(harness, Math.Max(inputs - modelInputs, inputs - harness.Total), seed, directory);
        }
        finally
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return new Dictionary<string, object>
        {
            ["command"] = "stress fuzz",
            ["seed"] = seed,
            ["inputs"] = harness.Total,
            ["per_format"] = harness.PerFormat.ToDictionary(kv => kv.Key, kv => new { inputs = kv.Value.Inputs, loaded = kv.Value.Accepted, rejected = kv.Value.Rejected, failed = kv.Value.Failed }),
            ["failures"] = harness.Failures.Count,
            ["failure_list"] = harness.Failures.Take(50).ToArray(),
            ["loaded_models_with_nonfinite_probabilities"] = nonFinite.Count,
            ["nonfinite_list"] = nonFinite.Take(20).ToArray(),
            ["time_limit_per_input_s"] = limitSeconds,
            ["max_ms_per_input"] = Math.Round(harness.MaxMilliseconds, 1),
            ["slowest_input"] = harness.SlowestInput,
            ["max_managed_alloc_per_input_mb"] = Math.Round(harness.MaxAllocatedBytes / 1048576.0, 2),
            ["largest_alloc_input"] = harness.LargestAllocationInput,
            ["working_set_after_models_mb"] = Math.Round(baseline / 1048576.0, 1),
            ["peak_working_set_mb"] = Math.Round(process.PeakWorkingSet64 / 1048576.0, 1),
            ["elapsed_s"] = Math.Round(total.Elapsed.TotalSeconds, 1),
        };
    }
}
