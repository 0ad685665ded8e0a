using System.Diagnostics;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Networks;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>
/// Pretrains an autoencoder by reconstruction (mean-squared error, Adam, optional learning-rate schedule and
/// denoising noise). The result can be saved, loaded and passed to any deep model through
/// <see cref="DeepClusteringOptions.PretrainedAutoencoder"/>, so that several models start from the same network.
/// </summary>
/// <example>
/// <code>
/// using var ae = new AutoencoderTrainer(new AutoencoderTrainerOptions { Epochs = 50, Seed = 1 }).Fit(data);
/// ae.Save("mnist-ae.dcm");
/// using var model = new AutoencoderMixture(new AutoencoderMixtureOptions { Clusters = 10, PretrainedAutoencoder = ae }).Fit(data);
/// </code>
/// </example>
public sealed class AutoencoderTrainer
{
    private readonly ILogger? logger;

    /// <summary>Creates the trainer; the options are validated by <see cref="Fit"/>.</summary>
    public AutoencoderTrainer(AutoencoderTrainerOptions options, ILogger? logger = null)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        this.logger = logger;
    }

    /// <summary>The settings.</summary>
    public AutoencoderTrainerOptions Options { get; }

    /// <summary>
    /// Trains a new autoencoder on <paramref name="data"/>. Same seed ⇒ same weights on CPU. Progress is reported
    /// once per epoch (phase <see cref="TrainingPhase.Pretraining"/>); cancellation is checked every batch and throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public Autoencoder Fit(Dataset data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        Options.Validate();
        if (data.Rows < 2) throw new ArgumentException($"autoencoder training needs at least 2 rows; got {data.Rows}.", nameof(data));
        var architecture = ResolveArchitecture(Options.Network, data, Options.HiddenSizes, Options.LatentSize, Options.Activation,
            Options.TanhBottleneck, Options.GlorotInit, nameof(Options.Network));
        var device = DeviceResolver.Resolve(Options.Device);
        var clock = Stopwatch.StartNew();
        using var random = new RandomSource(Options.Seed);
        var scaler = DeepScaling.Fit(data, Options.Scaler, Options.TanhBottleneck);
        var network = architecture.Create(random.Generator);
        try
        {
            network.to(device);
            using var x = DeepScaling.ToTensor(scaler, data, device);
            var history = AutoencoderTraining.Train(network, x, data.Image, Options.ToSettings(), random, device, progress, logger, cancellationToken);
            network.eval();
            return new Autoencoder(network, scaler, history, clock.Elapsed, device);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Smallest image side for which <see cref="NetworkKind.Auto"/> picks the convolutional network.</summary>
    public const int MinConvolutionalSide = 16;

    /// <summary>
    /// Images of at least <see cref="MinConvolutionalSide"/> pixels a side: where the convolutional network and random
    /// views help (on 8×8 digits a 15° turn or a one-pixel shift changes too much).
    /// </summary>
    internal static bool IsLargeImage(ImageShape? image) =>
        image is { Height: >= MinConvolutionalSide, Width: >= MinConvolutionalSide };

    /// <summary>Resolves <see cref="NetworkKind.Auto"/> and default sizes, and checks that the architecture fits the data.</summary>
    internal static AutoencoderArchitecture ResolveArchitecture(NetworkKind kind, Dataset data, IReadOnlyList<int>? hidden, int latent,
        ActivationKind activation, bool tanh, bool glorot, string networkOption)
    {
        if (kind == NetworkKind.Auto)
            kind = IsLargeImage(data.Image) ? NetworkKind.Convolutional : NetworkKind.Mlp;
        if (kind == NetworkKind.Convolutional && data.Image is null)
            throw new ArgumentOutOfRangeException(networkOption, kind, $"{networkOption} = Convolutional needs image data (a dataset with an ImageShape); '{data.Name}' is tabular. Use {networkOption} = Mlp.");
        var architecture = new AutoencoderArchitecture(kind, data.Columns,
            (hidden ?? AutoencoderArchitecture.DefaultHiddenSizes(kind, data.Columns)).ToArray(), latent, activation, tanh, glorot,
            kind == NetworkKind.Convolutional ? data.Image : null);
        try { architecture.Validate(); }
        catch (ArgumentException e) { throw new ArgumentOutOfRangeException(networkOption, kind, e.Message); }
        return architecture;
    }
}
