using System.Diagnostics;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Models;
using DeepClustering.Networks;
using DeepClustering.Training;

namespace DeepClustering.Cli.Bench;

/// <summary>Result of <see cref="MixaeEpochBenchmark"/>.</summary>
/// <param name="AutoencoderEpochSeconds">Median seconds per training epoch of the single default autoencoder.</param>
/// <param name="MixtureEpochSeconds">Median seconds per training epoch of MIXAE with <see cref="Clusters"/> autoencoders.</param>
/// <param name="Ratio">MixtureEpochSeconds / AutoencoderEpochSeconds (the issue's target: below 3).</param>
/// <param name="AutoencoderArchitecture">The single autoencoder, e.g. "MLP 784-500-500-2000-10 ReLU".</param>
/// <param name="MixtureArchitecture">The K autoencoders and the assignment network, e.g. "10 x MLP 784-256-64-10, assignment 100-128-10".</param>
/// <param name="AutoencoderParameters">Trainable parameters of the single autoencoder.</param>
/// <param name="MixtureParameters">Trainable parameters of the K autoencoders and the assignment network together.</param>
/// <param name="Rows">Training rows.</param>
/// <param name="Features">Input width.</param>
/// <param name="Clusters">Number of autoencoders K.</param>
/// <param name="Epochs">Timed epochs per run (one untimed warm-up epoch runs first).</param>
/// <param name="Repeats">Runs of each model, interleaved (AE, MIXAE, AE, MIXAE, ...) so that load changes hit both.</param>
/// <param name="BatchSize">Mini-batch size of both.</param>
/// <param name="Threads">Torch intra-op threads.</param>
/// <param name="Device">Device the models ran on.</param>
/// <param name="AutoencoderEpochSamples">Every timed epoch of the autoencoder (seconds).</param>
/// <param name="MixtureEpochSamples">Every timed epoch of MIXAE (seconds).</param>
/// <param name="PeakWorkingSetMb">Peak working set of the process (MiB).</param>
public sealed record MixaeEpochBenchmarkResult(
    double AutoencoderEpochSeconds,
    double MixtureEpochSeconds,
    double Ratio,
    string AutoencoderArchitecture,
    string MixtureArchitecture,
    long AutoencoderParameters,
    long MixtureParameters,
    int Rows,
    int Features,
    int Clusters,
    int Epochs,
    int Repeats,
    int BatchSize,
    int Threads,
    string Device,
    IReadOnlyList<double> AutoencoderEpochSamples,
    IReadOnlyList<double> MixtureEpochSamples,
    double PeakWorkingSetMb);

/// <summary>
/// <c>bench mixae-epoch</c>: the cost of one MIXAE training epoch with K autoencoders (default options: K grouped
/// autoencoders plus the assignment network, mini-batch Adam) against one epoch of the single default autoencoder
/// (<see cref="AutoencoderTrainer"/> with default options, the DEC-style MLP for MNIST-width data) on the same data,
/// same batch size and device. Both are timed through their public Fit with progress timestamps: the first epoch of
/// every run is a warm-up, and the final assignment pass after MIXAE's last epoch is not counted. Runs are
/// interleaved and the medians compared, so that the shared machine's load affects both alike.
/// </summary>
public static class MixaeEpochBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    /// <param name="data">Training data, e.g. <c>EmbeddedDatasets.Load("mnist-test")</c>.</param>
    /// <param name="clusters">Number of autoencoders K (≥ 1).</param>
    /// <param name="epochs">Timed epochs per run (≥ 1).</param>
    /// <param name="repeats">Runs of each model (≥ 1).</param>
    /// <param name="batchSize">Mini-batch size of both models.</param>
    /// <param name="device">"cpu", "cuda" or "auto".</param>
    /// <param name="seed">Seed of the weights and shuffles.</param>
    /// <param name="threads">Torch intra-op threads to set first (null: leave as is). On a loaded machine 1 thread can
    /// be several times faster than 2.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    public static MixaeEpochBenchmarkResult Run(Dataset data, int clusters = 10, int epochs = 2, int repeats = 2, int batchSize = 256,
        string device = "cpu", int seed = 0, int? threads = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (clusters < 1) throw new ArgumentOutOfRangeException(nameof(clusters), clusters, "clusters must be ≥ 1.");
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs must be ≥ 1.");
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), repeats, "repeats must be ≥ 1.");
        if (threads is int t)
        {
            if (t < 1) throw new ArgumentOutOfRangeException(nameof(threads), t, "threads must be ≥ 1.");
            TorchSharp.torch.set_num_threads(t);
        }
        var aeOptions = new AutoencoderTrainerOptions { Seed = seed, Device = device, Epochs = epochs + 1, BatchSize = batchSize };
        var mixOptions = new MixtureOfAutoencodersOptions
        {
            Clusters = clusters, Seed = seed, Device = device, Epochs = epochs + 1, BatchSize = batchSize,
            OnCollapse = CollapseBehavior.Warn,
        };
        var aeSamples = new List<double>();
        var mixSamples = new List<double>();
        string aeArchitecture = "";
        for (int r = 0; r < repeats; r++)
        {
            aeSamples.AddRange(TimeEpochs(TrainingPhase.Pretraining, progress =>
            {
                using var ae = new AutoencoderTrainer(aeOptions).Fit(data, progress, cancellationToken);
                aeArchitecture = ae.Architecture.ToString();
            }));
            mixSamples.AddRange(TimeEpochs(TrainingPhase.Training, progress =>
            {
                using var model = new MixtureOfAutoencoders(mixOptions).Fit(data, progress, cancellationToken);
            }));
        }
        var (mixArchitecture, mixParameters) = DescribeMixture(mixOptions, data.Columns);
        long aeParameters = new AutoencoderArchitecture(NetworkKind.Mlp, data.Columns,
            AutoencoderArchitecture.DefaultHiddenSizes(NetworkKind.Mlp, data.Columns), aeOptions.LatentSize).ParameterCount();
        double aeEpoch = Median(aeSamples), mixEpoch = Median(mixSamples);
        var process = Process.GetCurrentProcess();
        process.Refresh();
        return new MixaeEpochBenchmarkResult(aeEpoch, mixEpoch, mixEpoch / aeEpoch, aeArchitecture, mixArchitecture, aeParameters, mixParameters,
            data.Rows, data.Columns, clusters, epochs, repeats, batchSize, TorchSharp.torch.get_num_threads(), device, aeSamples, mixSamples,
            process.PeakWorkingSet64 / 1048576.0);
    }

    /// <summary>The JSON line the CLI prints with <c>--json</c>.</summary>
    public static string ToJson(MixaeEpochBenchmarkResult result) => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["autoencoder_epoch_s"] = Math.Round(result.AutoencoderEpochSeconds, 3),
        ["mixae_epoch_s"] = Math.Round(result.MixtureEpochSeconds, 3),
        ["ratio"] = Math.Round(result.Ratio, 3),
        ["autoencoder"] = result.AutoencoderArchitecture,
        ["mixae"] = result.MixtureArchitecture,
        ["autoencoder_parameters"] = result.AutoencoderParameters,
        ["mixae_parameters"] = result.MixtureParameters,
        ["rows"] = result.Rows,
        ["clusters"] = result.Clusters,
        ["epochs"] = result.Epochs,
        ["repeats"] = result.Repeats,
        ["batch_size"] = result.BatchSize,
        ["threads"] = result.Threads,
        ["device"] = result.Device,
        ["peak_working_set_mb"] = Math.Round(result.PeakWorkingSetMb, 1),
    });

    // Seconds of every epoch after the first, from the progress reports of one phase.
    private static List<double> TimeEpochs(TrainingPhase phase, Action<IProgress<TrainingProgress>> run)
    {
        var clock = Stopwatch.StartNew();
        var stamps = new List<double>();
        run(new InlineProgress(p => { if (p.Phase == phase) stamps.Add(clock.Elapsed.TotalSeconds); }));
        var epochs = new List<double>();
        for (int i = 1; i < stamps.Count; i++) epochs.Add(stamps[i] - stamps[i - 1]);
        return epochs;
    }

    private static (string Description, long Parameters) DescribeMixture(MixtureOfAutoencodersOptions options, int features)
    {
        var hidden = options.AutoencoderHiddenSizes ?? MixtureOfAutoencodersOptions.DefaultAutoencoderHiddenSizes(features);
        var config = new MixtureOfAutoencodersHeadConfig(options.Variant, options.Clusters, features, hidden.ToArray(),
            options.ResolvedAutoencoderLatentSize, options.AssignmentHiddenSize, options.Activation, options.GlorotInit, options.ReconstructionTemperature);
        using var head = new MixtureOfAutoencodersHead(config, generator: null);
        long parameters = head.parameters().Sum(p => p.numel());
        int assignmentInput = options.Clusters * config.LatentSize;
        string description = $"{options.Clusters} x MLP {features}-{string.Join("-", hidden)}-{config.LatentSize}, " +
            $"assignment {assignmentInput}-{config.AssignmentHiddenSize}-{options.Clusters}";
        return (description, parameters);
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.OrderBy(v => v).ToArray();
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : 0.5 * (sorted[m - 1] + sorted[m]);
    }

    private sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
