using System.Diagnostics;
using DeepClustering.Data;
using DeepClustering.Mixtures;
using DeepClustering.Models;
using DeepClustering.Persistence;
using TorchSharp;

namespace DeepClustering.Cli.Stress;

/// <summary>
/// <c>stress memory</c>: fit / predict / save / load / predict cycles of a small GaussianMixture and of a small
/// AutoencoderMixture in one process. The working set is read (after a full garbage collection) once the
/// warm-up cycles are done and again at the end; the growth between the two must stay under the budget.
/// Live tensors created on this thread are counted too (TorchSharp's dispose-scope statistics).
/// </summary>
internal static class MemoryStress
{
    public static Dictionary<string, object> Run(int gmmCycles, int deepCycles, double budgetMb)
    {
        if (gmmCycles < 0 || deepCycles < 0) throw new ArgumentException("--gmm-cycles and --deep-cycles must not be negative.");
        var data = ModelFileFuzz.Blobs(200, 4, 1);
        int gmmWarm = Math.Min(gmmCycles, Math.Max(1, gmmCycles / 10)), deepWarm = Math.Min(deepCycles, Math.Max(1, deepCycles / 10));
        var sw = Stopwatch.StartNew();
        // Warm-up: JIT, libtorch's allocator pools and thread pools reach their steady size.
        for (int i = 0; i < gmmWarm; i++) GmmCycle(data, i);
        for (int i = 0; i < deepWarm; i++) DeepCycle(data, i);
        double warmSeconds = sw.Elapsed.TotalSeconds;
        long afterWarmup = SettledWorkingSet();
        long liveAfterWarmup = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        long maxWorkingSet = afterWarmup;
        var samples = new List<double>();
        void Sample()
        {
            using var p = Process.GetCurrentProcess();
            maxWorkingSet = Math.Max(maxWorkingSet, p.WorkingSet64);
        }
        var gmmTimer = Stopwatch.StartNew();
        for (int i = gmmWarm; i < gmmCycles; i++)
        {
            GmmCycle(data, i);
            if (i % 100 == 0) Sample();
        }
        double gmmSeconds = gmmTimer.Elapsed.TotalSeconds;
        long afterGmm = SettledWorkingSet();
        samples.Add(Mb(afterGmm));
        var deepTimer = Stopwatch.StartNew();
        for (int i = deepWarm; i < deepCycles; i++)
        {
            DeepCycle(data, i);
            if (i % 20 == 0) Sample();
        }
        double deepSeconds = deepTimer.Elapsed.TotalSeconds;
        long end = SettledWorkingSet();
        long liveAtEnd = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        double growth = Mb(end - afterWarmup);
        return new Dictionary<string, object>
        {
            ["command"] = "stress memory",
            ["gmm_cycles"] = gmmCycles,
            ["deep_cycles"] = deepCycles,
            ["warmup_cycles"] = new { gmm = gmmWarm, deep = deepWarm, seconds = Math.Round(warmSeconds, 1) },
            ["working_set_after_warmup_mb"] = Mb(afterWarmup),
            ["working_set_after_gmm_cycles_mb"] = Mb(afterGmm),
            ["working_set_end_mb"] = Mb(end),
            ["working_set_max_sampled_mb"] = Mb(maxWorkingSet),
            ["growth_mb"] = Math.Round(growth, 1),
            ["gmm_growth_mb"] = Math.Round(Mb(afterGmm - afterWarmup), 1),
            ["deep_growth_mb"] = Math.Round(Mb(end - afterGmm), 1),
            ["budget_mb"] = budgetMb,
            ["within_budget"] = growth < budgetMb,
            ["live_tensors_after_warmup"] = liveAfterWarmup,
            ["live_tensors_end"] = liveAtEnd,
            ["managed_heap_end_mb"] = Mb(GC.GetTotalMemory(false)),
            ["gmm_ms_per_cycle"] = Math.Round(1000 * gmmSeconds / Math.Max(1, gmmCycles - gmmWarm), 1),
            ["deep_ms_per_cycle"] = Math.Round(1000 * deepSeconds / Math.Max(1, deepCycles - deepWarm), 1),
        };
    }

    private static double Mb(long bytes) => Math.Round(bytes / 1048576.0, 1);

    private static long SettledWorkingSet()
    {
        for (int i = 0; i < 3; i++) { GC.Collect(); GC.WaitForPendingFinalizers(); }
        using var p = Process.GetCurrentProcess();
        return p.WorkingSet64;
    }

    /// <summary>One cycle on a small GaussianMixture (full covariances, 3 components, 200 x 4).</summary>
    public static void GmmCycle(Dataset data, int seed)
    {
        using var model = new GaussianMixture(new GaussianMixtureOptions { Components = 3, Seed = seed, MaxIterations = 20 }).Fit(data);
        Use(model, data);
    }

    /// <summary>One cycle on a small AutoencoderMixture (4-8-2 network, 2 pretraining epochs, 200 x 4).</summary>
    public static void DeepCycle(Dataset data, int seed)
    {
        using var model = new AutoencoderMixture(new AutoencoderMixtureOptions
        {
            Clusters = 3, Seed = seed, LatentSize = 2, HiddenSizes = [8], BatchSize = 50, PretrainEpochs = 2, InitialClusteringRestarts = 1,
        }).Fit(data);
        Use(model, data);
    }

    private static void Use(Core.IClusteringModel model, Dataset data)
    {
        var labels = model.Predict(data);
        model.PredictProbabilities(data);
        var ms = new MemoryStream();
        model.Save(ms);
        ms.Position = 0;
        using var loaded = ModelFile.Load(ms);
        if (!loaded.Predict(data).SequenceEqual(labels)) throw new InvalidOperationException("a loaded model predicted other labels than the saved one.");
    }
}
