using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DeepClustering.Metrics;

namespace DeepClustering.Cli.Commands;

/// <summary><c>bench</c>: commands that print speed figures as one JSON line (speed targets live here, not in tests).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Speed benchmarks; each prints one JSON line.");
        command.Add(Hungarian());
        command.Add(Mixture("gmm", "Time GaussianMixture EM iterations on a .npy file (tolerance 0: exactly --iterations iterations).", withCovariance: true));
        command.Add(Mixture("kmeans", "Time k-means Lloyd iterations on a .npy file.", withCovariance: false));
        command.Add(TrainAe());
        command.Add(MixaeEpoch());
        return command;
    }

    /// <summary>Data for the network benchmarks: a file or embedded name, else random rows of MNIST shape (the peer script's input).</summary>
    private static Data.Dataset NetworkData(string? data, int rows) =>
        data is null ? Bench.TrainAeBenchmark.RandomData(rows) : DataResolver.Load(data, null);

    private static Command TrainAe()
    {
        var data = new Option<string?>("--data") { Description = "Data file or embedded name (default: random 784-d rows, as peer_ae_train.py)." };
        var rows = new Option<int>("--rows") { Description = "Rows of the random data.", DefaultValueFactory = _ => 20000 };
        var epochs = new Option<int>("--epochs") { Description = "Timed epochs (one warm-up epoch runs first).", DefaultValueFactory = _ => 2 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 256, Description = "Mini-batch size." };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "cpu", Description = "cpu, cuda, cuda:N or auto." };
        var json = new Option<bool>("--json") { Description = "One JSON line." };
        var cmd = new Command("train-ae", "Training throughput of the default MLP autoencoder (D-500-500-2000-10, Adam, MSE).") { data, rows, epochs, batch, device, json };
        cmd.SetAction(p => CliErrors.Run(true, () =>
        {
            var result = Bench.TrainAeBenchmark.Run(NetworkData(p.GetValue(data), p.GetValue(rows)), p.GetValue(epochs), p.GetValue(batch), p.GetValue(device)!);
            Console.WriteLine(Bench.TrainAeBenchmark.ToJson(result));
            return 0;
        }));
        return cmd;
    }

    private static Command MixaeEpoch()
    {
        var data = new Option<string?>("--data") { Description = "Data file or embedded name (default: random 784-d rows)." };
        var rows = new Option<int>("--rows") { Description = "Rows of the random data.", DefaultValueFactory = _ => 20000 };
        var k = new Option<int>("--k") { Description = "Number of autoencoders.", DefaultValueFactory = _ => 10 };
        var epochs = new Option<int>("--epochs") { Description = "Timed epochs.", DefaultValueFactory = _ => 2 };
        var json = new Option<bool>("--json") { Description = "One JSON line." };
        var cmd = new Command("mixae-epoch", "One MIXAE epoch with K grouped autoencoders against one epoch of the single default autoencoder.") { data, rows, k, epochs, json };
        cmd.SetAction(p => CliErrors.Run(true, () =>
        {
            var result = Bench.MixaeEpochBenchmark.Run(NetworkData(p.GetValue(data), p.GetValue(rows)), p.GetValue(k), p.GetValue(epochs));
            Console.WriteLine(Bench.MixaeEpochBenchmark.ToJson(result));
            return 0;
        }));
        return cmd;
    }

    /// <summary>bench gmm / bench kmeans: options parsed here, the work done by <see cref="Bench.MixtureBench"/>.</summary>
    private static Command Mixture(string name, string description, bool withCovariance)
    {
        var data = new Option<string>("--data") { Description = "Float32 or float64 .npy file (rows x features).", Required = true };
        var k = new Option<int>("--k") { Description = "Components / clusters.", Required = true };
        var covariance = new Option<string>("--covariance") { Description = "full, diag, spherical or tied.", DefaultValueFactory = _ => "full" };
        var iterations = new Option<int>("--iterations") { Description = "Iterations to run.", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 0 };
        var dtype = new Option<string>("--dtype") { Description = "float32 or float64.", DefaultValueFactory = _ => "float32" };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N.", DefaultValueFactory = _ => "cpu" };
        var chunk = new Option<int?>("--chunk") { Description = "Rows per chunk (default: the library's)." };
        var init = new Option<string?>("--init") { Description = "gmm initialisation: kmeans, kmeans++, random, random-from-data (default random-from-data, as the scikit-learn peer script)." };
        var threads = new Option<int?>("--threads") { Description = "Torch intra-op threads (default: all cores)." };
        var json = new Option<bool>("--json") { Description = "One JSON line." };
        var stream = new Option<bool>("--stream") { Description = "gmm: read the .npy in chunks on every pass (out-of-core fit; peak memory independent of rows)." };
        var tol = new Option<double?>("--tol") { Description = "gmm: convergence tolerance (default 0 = run every iteration)." };
        var noWarmup = new Option<bool>("--no-warmup") { Description = "Skip the untimed warm-up fit on the first rows (JIT and thread pools)." };
        var cmd = new Command(name, description) { data, k, iterations, seed, dtype, device, chunk, threads, json, noWarmup };
        if (withCovariance) { cmd.Add(covariance); cmd.Add(init); cmd.Add(stream); cmd.Add(tol); }
        cmd.SetAction(p => CliErrors.Run(true, () =>
        {
            var args = new List<string> { name, "--data", p.GetValue(data)!, "--k", p.GetValue(k).ToString(CultureInfo.InvariantCulture),
                "--iterations", p.GetValue(iterations).ToString(CultureInfo.InvariantCulture), "--seed", p.GetValue(seed).ToString(CultureInfo.InvariantCulture),
                "--dtype", p.GetValue(dtype)!, "--device", p.GetValue(device)! };
            if (withCovariance) args.AddRange(["--covariance", p.GetValue(covariance)!]);
            if (withCovariance && p.GetValue(init) is { } i) args.AddRange(["--init", i]);
            if (p.GetValue(chunk) is { } c) args.AddRange(["--chunk", c.ToString(CultureInfo.InvariantCulture)]);
            if (p.GetValue(threads) is { } t) args.AddRange(["--threads", t.ToString(CultureInfo.InvariantCulture)]);
            if (withCovariance && p.GetValue(stream)) args.Add("--stream");
            if (withCovariance && p.GetValue(tol) is { } tl) args.AddRange(["--tol", tl.ToString(CultureInfo.InvariantCulture)]);
            if (p.GetValue(noWarmup)) args.Add("--no-warmup");
            if (p.GetValue(json)) args.Add("--json");
            return Bench.MixtureBench.Run(args, Console.Out);
        }));
        return cmd;
    }

    private static Command Hungarian()
    {
        var size = new Option<int>("--size") { Description = "Square cost matrix size.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0, Description = "Seed of the random costs." };
        var repeats = new Option<int>("--repeats") { DefaultValueFactory = _ => 5, Description = "Timed repetitions (the median is reported)." };
        var cmd = new Command("hungarian", "Time the Hungarian assignment on a random uniform cost matrix.") { size, seed, repeats };
        cmd.SetAction(p => CliErrors.Run(true, () =>
        {
            int n = p.GetValue(size), r = Math.Max(1, p.GetValue(repeats));
            if (n < 1) throw new ArgumentException("--size must be at least 1.");
            var rng = new Random(p.GetValue(seed));
            var cost = new double[n, n];
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) cost[i, j] = rng.NextDouble();
            LinearAssignment.Minimize(cost); // warm-up (JIT)
            var times = new List<double>();
            for (int k = 0; k < r; k++)
            {
                var sw = Stopwatch.StartNew();
                LinearAssignment.Minimize(cost);
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            Console.WriteLine(JsonSerializer.Serialize(new { size = n, median_ms = Math.Round(times[times.Count / 2], 2), repeats = r }));
            return 0;
        }));
        return cmd;
    }
}
