using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Networks;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>
/// The state of one deep fit that the hooks of <see cref="DeepClusteringEstimatorBase{TOptions, THead, TModel}"/>
/// may use: device, random source, the (pretrained) network, the scaled training data on the device, and helpers
/// for full-data passes. Everything here is owned by the pipeline: do not dispose it.
/// </summary>
public sealed class DeepTrainingContext
{
    private readonly List<string> warnings;

    internal DeepTrainingContext(DeepClusteringOptions options, Device device, RandomSource random, AutoencoderNetwork network,
        Tensor data, int totalEpochs, ILogger? logger, List<string> warnings, CancellationToken cancellationToken)
    {
        Options = options; Device = device; Random = random; Network = network; Data = data;
        TotalEpochs = totalEpochs; Logger = logger; this.warnings = warnings; CancellationToken = cancellationToken;
    }

    /// <summary>The fit's progress sink (null when the caller passed none).</summary>
    internal IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>The fit's progress sink with every report relabelled as <paramref name="phase"/> (null when there is none).</summary>
    internal IProgress<TrainingProgress>? ProgressAs(TrainingPhase phase) =>
        Progress is { } sink ? new PhaseProgress(sink, phase) : null;

    private sealed class PhaseProgress(IProgress<TrainingProgress> sink, TrainingPhase phase) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => sink.Report(value with { Phase = phase });
    }

    /// <summary>The options of the fit (cast to the model's own options record where needed).</summary>
    public DeepClusteringOptions Options { get; }

    /// <summary>Compute device; the network, the head and <see cref="Data"/> live here.</summary>
    public Device Device { get; }

    /// <summary>The fit's only source of randomness (weights, shuffles, noise): same seed ⇒ same result on CPU.</summary>
    public RandomSource Random { get; }

    /// <summary>The autoencoder being trained (pretrained, or a copy of the pretrained autoencoder passed in).</summary>
    public AutoencoderNetwork Network { get; }

    /// <summary>Scaled training data (N x D) on <see cref="Device"/>. Read only.</summary>
    public Tensor Data { get; }

    /// <summary>Number of training rows N.</summary>
    public int Rows => (int)Data.shape[0];

    /// <summary>Image shape of the training data (channels x height x width), or null for tabular data.</summary>
    public ImageShape? Image { get; internal init; }

    /// <summary>Whether joint-training batches are random views of the rows (the resolved <see cref="DeepClusteringOptions.JointAugment"/>).</summary>
    public bool JointAugment { get; internal init; }

    /// <summary>Number of input features D.</summary>
    public int Features => (int)Data.shape[1];

    /// <summary>Number of clusters K.</summary>
    public int Clusters => Options.Clusters;

    /// <summary>Width of the latent code.</summary>
    public int LatentSize => Network.LatentSize;

    /// <summary>Current 0-based joint-training epoch.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Number of joint-training epochs planned.</summary>
    public int TotalEpochs { get; }

    /// <summary>Hard cluster sizes after the last finished epoch (or the initial clustering), when known.</summary>
    public IReadOnlyList<int>? ClusterSizes { get; internal set; }

    /// <summary>Optional logger.</summary>
    public ILogger? Logger { get; }

    /// <summary>Cancellation of the fit; the pipeline checks it every batch, long hooks should check it too.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Records a warning in the fit summary and the log.</summary>
    public void Warn(string message)
    {
        if (!warnings.Contains(message)) warnings.Add(message);
        Logger?.LogWarning("{Message}", message);
    }

    /// <summary>
    /// Runs <paramref name="map"/> over chunks of <see cref="Data"/> without gradients and with the network in eval
    /// mode, and concatenates the results (a new tensor the caller owns and disposes).
    /// </summary>
    public Tensor Map(Func<Tensor, Tensor> map, int chunk = 2048)
    {
        ArgumentNullException.ThrowIfNull(map);
        bool training = Network.training;
        Network.eval();
        try { return AutoencoderTraining.MapChunks(Data, map, chunk); }
        finally { if (training) Network.train(); }
    }

    /// <summary>Latent codes of all training rows (N x d, no gradients; the caller disposes the tensor).</summary>
    public Tensor EncodeAll() => Map(x => Network.Encode(x));
}
