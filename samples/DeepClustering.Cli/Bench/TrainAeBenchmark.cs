using System.Diagnostics;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Training;

namespace DeepClustering.Cli.Bench;

/// <summary>Result of <see cref="TrainAeBenchmark"/>.</summary>
/// <param name="SamplesPerSecond">Training throughput over the timed epochs (rows x epochs / seconds).</param>
/// <param name="FinalLoss">Mean reconstruction loss of the last epoch.</param>
/// <param name="PeakWorkingSetMb">Peak working set of the process (MiB).</param>
/// <param name="Rows">Training rows.</param>
/// <param name="Features">Input width.</param>
/// <param name="Epochs">Timed epochs (one untimed warm-up epoch runs first).</param>
/// <param name="BatchSize">Mini-batch size.</param>
/// <param name="Threads">Torch intra-op threads.</param>
/// <param name="Architecture">The autoencoder, e.g. "MLP 784-500-500-2000-10 ReLU".</param>
/// <param name="WorkingSetAfterEpochMb">Working set after each epoch (MiB), to show it does not grow.</param>
/// <param name="SamplesPerCpuSecond">Throughput per second of process CPU time (less sensitive to other load on a
/// shared machine than <paramref name="SamplesPerSecond"/>).</param>
/// <param name="OpenMpWaitPolicy">OMP_WAIT_POLICY in force (PASSIVE avoids spin-waiting threads on a busy machine).</param>
public sealed record TrainAeBenchmarkResult(
    double SamplesPerSecond,
    double FinalLoss,
    double PeakWorkingSetMb,
    int Rows,
    int Features,
    int Epochs,
    int BatchSize,
    int Threads,
    string Architecture,
    IReadOnlyList<double> WorkingSetAfterEpochMb,
    double SamplesPerCpuSecond,
    string OpenMpWaitPolicy);

/// <summary>
/// <c>bench train-ae</c>: training throughput of the default MLP autoencoder (the DEC-style D-500-500-2000-10 for
/// MNIST-width data) through the public <see cref="AutoencoderTrainer"/>, timed like the PyTorch peer script
/// (<c>peer_ae_train.py</c>): one warm-up epoch, then <c>epochs</c> timed epochs of Adam + MSE.
/// </summary>
public static class TrainAeBenchmark
{
    /// <summary>Runs the benchmark on <paramref name="data"/>.</summary>
    /// <param name="data">Training data (e.g. 20,000 random 784-d rows, see <see cref="RandomData"/>).</param>
    /// <param name="epochs">Timed epochs (≥ 1).</param>
    /// <param name="batchSize">Mini-batch size.</param>
    /// <param name="device">"cpu", "cuda" or "auto".</param>
    /// <param name="seed">Seed of the weights and shuffles.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    public static TrainAeBenchmarkResult Run(Dataset data, int epochs = 2, int batchSize = 256, string device = "cpu", int seed = 0,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs must be ≥ 1.");
        var options = new AutoencoderTrainerOptions { Seed = seed, Device = device, Epochs = epochs + 1, BatchSize = batchSize };
        var process = Process.GetCurrentProcess();
        var workingSets = new List<double>();
        var clock = new Stopwatch();
        TimeSpan cpuStart = TimeSpan.Zero;
        double lastLoss = double.NaN;
        var progress = new InlineProgress(p =>
        {
            // Epoch 1 is the warm-up; the timed span runs from its end to the end of the last epoch.
            process.Refresh();
            if (p.Iteration == 1) { clock.Restart(); cpuStart = process.TotalProcessorTime; }
            lastLoss = p.Objective;
            workingSets.Add(process.WorkingSet64 / 1048576.0);
        });
        using var autoencoder = new AutoencoderTrainer(options).Fit(data, progress, cancellationToken);
        clock.Stop();
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuStart).TotalSeconds;
        return new TrainAeBenchmarkResult(
            SamplesPerSecond: (double)data.Rows * epochs / clock.Elapsed.TotalSeconds,
            FinalLoss: lastLoss,
            PeakWorkingSetMb: process.PeakWorkingSet64 / 1048576.0,
            Rows: data.Rows,
            Features: data.Columns,
            Epochs: epochs,
            BatchSize: batchSize,
            Threads: TorchSharp.torch.get_num_threads(),
            Architecture: autoencoder.Architecture.ToString(),
            WorkingSetAfterEpochMb: workingSets,
            SamplesPerCpuSecond: (double)data.Rows * epochs / cpu,
            OpenMpWaitPolicy: Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "default");
    }

    /// <summary>
    /// Runs the benchmark on a data file (any format <see cref="DataLoader"/> reads) or on synthetic data named
    /// <c>random:N</c> or <c>random:NxD</c> (uniform [0, 1), the peer script's input; D defaults to 784).
    /// </summary>
    public static TrainAeBenchmarkResult Run(string data, int epochs = 2, int batchSize = 256, string device = "cpu", int seed = 0,
        CancellationToken cancellationToken = default) => Run(LoadData(data), epochs, batchSize, device, seed, cancellationToken);

    /// <summary>Loads <c>--data</c>: a file, or <c>random:N[xD]</c>.</summary>
    public static Dataset LoadData(string data)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(data);
        if (!data.StartsWith("random:", StringComparison.OrdinalIgnoreCase)) return DataLoader.Load(data);
        var parts = data["random:".Length..].Split('x', 'X');
        if (parts.Length is < 1 or > 2 || !int.TryParse(parts[0], out int rows) || rows < 1
            || (parts.Length == 2 && (!int.TryParse(parts[1], out _) || int.Parse(parts[1]) < 1)))
            throw new ArgumentException($"--data '{data}': use a file path or random:N or random:NxD (e.g. random:20000x784).", nameof(data));
        return RandomData(rows, parts.Length == 2 ? int.Parse(parts[1]) : 784);
    }

    /// <summary>Uniform [0, 1) data of MNIST shape (the peer script's input), from a seeded generator.</summary>
    public static Dataset RandomData(int rows = 20000, int features = 784, int seed = 0)
    {
        var random = new Random(seed);
        var values = new float[rows * features];
        for (int i = 0; i < values.Length; i++) values[i] = random.NextSingle();
        return Dataset.FromValues(values, rows, features, name: $"random-{rows}x{features}");
    }

    /// <summary>The JSON line the CLI prints with <c>--json</c>.</summary>
    public static string ToJson(TrainAeBenchmarkResult result) => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["samples_per_second"] = Math.Round(result.SamplesPerSecond, 1),
        ["final_loss"] = result.FinalLoss,
        ["peak_working_set_mb"] = Math.Round(result.PeakWorkingSetMb, 1),
        ["samples_per_cpu_second"] = Math.Round(result.SamplesPerCpuSecond, 1),
        ["omp_wait_policy"] = result.OpenMpWaitPolicy,
        ["rows"] = result.Rows,
        ["epochs"] = result.Epochs,
        ["batch_size"] = result.BatchSize,
        ["threads"] = result.Threads,
        ["architecture"] = result.Architecture,
    });

    private sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
