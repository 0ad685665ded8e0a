using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Mixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Cli.Bench;

/// <summary>
/// Speed benchmarks of the EM engine, independent of the CLI framework:
/// <c>bench gmm --data FILE.npy --k K --covariance full|diag|spherical|tied --iterations I --seed S [--dtype float32|float64] [--device cpu|cuda] [--chunk ROWS] [--init kmeans|kmeans++|random|random-from-data] [--threads N] [--stream] [--json]</c>
/// (--stream fits out of core through <see cref="NpyChunkSource"/>)
/// and <c>bench kmeans --data FILE.npy --k K --iterations I --seed S [--dtype ...] [--device ...] [--json]</c>.
/// Fits run exactly I iterations (tolerance 0; k-means may stop earlier when no label changes, as scikit-learn).
/// Before the timed fit, an untimed warm-up fit on the first rows (two iterations) loads the JIT-compiled code and
/// libtorch's thread pools, as the Python peer's imports happen before its timer; <c>--no-warmup</c> skips it.
/// cpu_ms_per_iteration is the fit's process CPU time per iteration (robust on a shared machine). ms_per_iteration is the whole fit time (initialisation included, as /work/shared/bench/peer_gmm.py) divided by
/// the iterations; em_ms_per_iteration times the iterations alone.
/// </summary>
public static class MixtureBench
{
    /// <summary>Runs "gmm" or "kmeans" with the arguments after it; writes one JSON object (or text) to <paramref name="output"/>.</summary>
    /// <returns>Process exit code: 0, or 2 for bad arguments.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        string ompWait = OpenMpWaitPolicy.PreferPassive();
        if (args.Count == 0 || args[0] is not ("gmm" or "kmeans"))
        {
            output.WriteLine("usage: bench gmm|kmeans --data FILE.npy --k K [--covariance TYPE] --iterations I --seed S [--dtype float32|float64] [--device cpu|cuda] [--chunk ROWS] [--no-warmup] [--json]");
            return 2;
        }
        var opts = Parse(args.Skip(1).ToList());
        if (opts.TryGetValue("threads", out var threads)) torch.set_num_threads(int.Parse(threads, CultureInfo.InvariantCulture));
        var result = args[0] == "gmm" ? RunGmm(opts) : RunKMeans(opts);
        result["omp_wait_policy"] = ompWait;
        if (opts.ContainsKey("json")) output.WriteLine(JsonSerializer.Serialize(result));
        else foreach (var (k, v) in result) output.WriteLine($"{k}: {Convert.ToString(v, CultureInfo.InvariantCulture)}");
        return 0;
    }

    private static Dictionary<string, object> RunGmm(Dictionary<string, string> o)
    {
        string path = Required(o, "data");
        int k = int.Parse(Required(o, "k"), CultureInfo.InvariantCulture);
        int iterations = int.Parse(o.GetValueOrDefault("iterations", "100"), CultureInfo.InvariantCulture);
        var covariance = o.GetValueOrDefault("covariance", "full") switch
        {
            "full" => CovarianceType.Full,
            "diag" or "diagonal" => CovarianceType.Diagonal,
            "spherical" => CovarianceType.Spherical,
            "tied" => CovarianceType.Tied,
            var c => throw new ArgumentException($"unknown covariance '{c}'"),
        };
        var init = o.GetValueOrDefault("init", "random-from-data") switch
        {
            "kmeans" => MixtureInit.KMeans,
            "kmeans++" or "k-means++" => MixtureInit.KMeansPlusPlus,
            "random" => MixtureInit.Random,
            _ => MixtureInit.RandomFromData,
        };
        var options = new GaussianMixtureOptions
        {
            Components = k,
            Covariance = covariance,
            MaxIterations = iterations,
            Tolerance = double.Parse(o.GetValueOrDefault("tol", "0"), CultureInfo.InvariantCulture),
            Init = init,
            Seed = int.Parse(o.GetValueOrDefault("seed", "0"), CultureInfo.InvariantCulture),
            Precision = o.GetValueOrDefault("dtype", "float32") == "float64" ? FloatPrecision.Float64 : FloatPrecision.Float32,
            Device = o.GetValueOrDefault("device", "cpu"),
            ChunkSize = o.TryGetValue("chunk", out var ch) ? int.Parse(ch, CultureInfo.InvariantCulture) : null,
        };
        if (o.ContainsKey("stream"))
        {
            // Out-of-core: the file is read chunk by chunk on every pass; the score is streamed too.
            var source = new NpyChunkSource(path);
            var streamTimer = new IterationTimer();
            var streamCpu = CpuNow();
            var streamWatch = Stopwatch.StartNew();
            using var streamed = new GaussianMixture(options).Fit(source, streamTimer);
            streamWatch.Stop();
            streamTimer.FitCpuSeconds = CpuNow() - streamCpu;
            double total = 0;
            foreach (var chunk in source.ReadChunks(65536)) total += streamed.ScoreSamples(chunk).Sum();
            var r = Result(streamWatch, streamed.Summary, streamTimer, null, new()
            {
                ["mean_log_likelihood"] = total / source.Rows,
                ["covariance"] = covariance.ToString(),
                ["dtype"] = options.Precision.ToString(),
                ["k"] = k,
                ["streamed"] = true,
            });
            r["n"] = source.Rows;
            r["d"] = source.Columns;
            return r;
        }
        using var x = LoadTensor(path, DeviceResolver.Resolve(options.Device));
        if (!o.ContainsKey("no-warmup")) Warmup(h => new GaussianMixture(options with { MaxIterations = 2 }).FitTensor(h), x);
        var timer = new IterationTimer();
        var cpu = CpuNow();
        var watch = Stopwatch.StartNew();
        using var model = new GaussianMixture(options).FitTensor(x, timer);
        watch.Stop();
        timer.FitCpuSeconds = CpuNow() - cpu;
        double mean;
        using (var s = model.ScoreSamplesTensor(x)) mean = s.mean().item<double>();
        return Result(watch, model.Summary, timer, x, new()
        {
            ["mean_log_likelihood"] = mean,
            ["covariance"] = covariance.ToString(),
            ["dtype"] = options.Precision.ToString(),
            ["k"] = k,
        });
    }

    private static Dictionary<string, object> RunKMeans(Dictionary<string, string> o)
    {
        string path = Required(o, "data");
        int k = int.Parse(Required(o, "k"), CultureInfo.InvariantCulture);
        var options = new KMeansOptions
        {
            Clusters = k,
            MaxIterations = int.Parse(o.GetValueOrDefault("iterations", "300"), CultureInfo.InvariantCulture),
            Tolerance = double.Parse(o.GetValueOrDefault("tol", "0"), CultureInfo.InvariantCulture),
            Init = o.GetValueOrDefault("init", "random") == "random" ? KMeansInit.Random : KMeansInit.KMeansPlusPlus,
            Seed = int.Parse(o.GetValueOrDefault("seed", "0"), CultureInfo.InvariantCulture),
            Device = o.GetValueOrDefault("device", "cpu"),
            ChunkSize = o.TryGetValue("chunk", out var ch) ? int.Parse(ch, CultureInfo.InvariantCulture) : null,
        };
        var dtype = o.GetValueOrDefault("dtype", "float32") == "float64" ? ScalarType.Float64 : ScalarType.Float32;
        using var raw = LoadTensor(path, DeviceResolver.Resolve(options.Device));
        using var x = raw.to(dtype);
        if (!o.ContainsKey("no-warmup")) Warmup(h => new KMeans(options with { MaxIterations = 2 }).FitTensor(h), x);
        var timer = new IterationTimer();
        var cpu = CpuNow();
        var watch = Stopwatch.StartNew();
        using var model = new KMeans(options).FitTensor(x, timer);
        watch.Stop();
        timer.FitCpuSeconds = CpuNow() - cpu;
        return Result(watch, model.Summary, timer, x, new() { ["inertia"] = model.Inertia, ["dtype"] = dtype.ToString(), ["k"] = k });
    }

    /// <summary>Untimed best-effort fit on the first rows: JIT-compiles the code paths and starts the thread pools.</summary>
    private static void Warmup(Func<Tensor, IDisposable> fit, Tensor x)
    {
        using var head = x.narrow(0, 0, Math.Min(x.shape[0], 8192));
        try
        {
            fit(head).Dispose();
        }
        catch (ClusteringNumericsException)
        {
            // A few thousand rows may not support every component; the warm-up has done its work by then.
        }
    }

    private static Dictionary<string, object> Result(Stopwatch watch, FitSummary summary, IterationTimer timer, Tensor? x, Dictionary<string, object> extra)
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var r = new Dictionary<string, object>
        {
            ["ms_per_iteration"] = Math.Round(watch.Elapsed.TotalMilliseconds / Math.Max(1, summary.Iterations), 3),
            ["em_ms_per_iteration"] = double.IsFinite(timer.MillisecondsPerIteration) ? Math.Round(timer.MillisecondsPerIteration, 3) : null!,
            ["iterations"] = summary.Iterations,
            ["fit_seconds"] = Math.Round(watch.Elapsed.TotalSeconds, 3),
            ["fit_cpu_seconds"] = Math.Round(timer.FitCpuSeconds, 3),
            ["cpu_ms_per_iteration"] = Math.Round(1000 * timer.FitCpuSeconds / Math.Max(1, summary.Iterations), 3),
            ["peak_working_set_mb"] = Math.Round(self.PeakWorkingSet64 / 1048576.0, 1),
            ["n"] = x?.shape[0] ?? 0,
            ["d"] = x?.shape[1] ?? 0,
            ["threads"] = torch.get_num_threads(),
        };
        foreach (var (k, v) in extra) r[k] = v;
        return r;
    }

    private static Tensor LoadTensor(string path, Device device) => NpyReader.Read(path).ToTensor(device);

    private static double CpuNow()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    private static string Required(Dictionary<string, string> o, string key) =>
        o.TryGetValue(key, out var v) ? v : throw new ArgumentException($"--{key} is required");

    private static Dictionary<string, string> Parse(List<string> args)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{args[i]}'");
            var key = args[i][2..];
            if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) d[key] = args[++i];
            else d[key] = "true";
        }
        return d;
    }

    /// <summary>Times the EM (or Lloyd) iterations from the progress reports.</summary>
    private sealed class IterationTimer : IProgress<TrainingProgress>
    {
        private readonly Stopwatch _watch = new();
        private double _firstMs = double.NaN, _lastMs;
        private int _count;

        public double FitCpuSeconds { get; set; }

        public double MillisecondsPerIteration => _count > 1 ? (_lastMs - _firstMs) / (_count - 1) : double.NaN;

        public void Report(TrainingProgress value)
        {
            if (value.Phase == TrainingPhase.Initialization && value.Restart == 0) _watch.Restart();
            if (value.Phase != TrainingPhase.Training) return;
            double now = _watch.Elapsed.TotalMilliseconds;
            if (_count == 0) _firstMs = now;
            _lastMs = now;
            _count++;
        }
    }
}
