using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Networks;
using DeepClustering.Persistence;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>
/// A trained autoencoder: network, architecture, the input scaler fitted with it, and its loss history. Create one
/// with <see cref="AutoencoderTrainer"/> or <see cref="Load(Stream, string)"/>; pass it to deep models through
/// <see cref="DeepClusteringOptions.PretrainedAutoencoder"/> (they fine-tune a copy, so this object is never
/// changed and can be shared by several fits, also at once). Dispose it when done.
/// </summary>
public sealed class Autoencoder : IDisposable
{
    /// <summary>Model type stored in files.</summary>
    public const string ModelType = "Autoencoder";
    private const int FormatVersion = 1;

    private readonly AutoencoderNetwork network;
    private readonly Device device;
    private bool disposed;

    internal Autoencoder(AutoencoderNetwork network, Scaler scaler, IReadOnlyList<double> lossHistory, TimeSpan trainingTime, Device device)
    {
        this.network = network;
        this.device = device;
        Scaler = scaler;
        LossHistory = lossHistory.ToArray();
        TrainingTime = trainingTime;
    }

    /// <summary>The network's architecture.</summary>
    public AutoencoderArchitecture Architecture => network.Architecture;

    /// <summary>Number of input features.</summary>
    public int Features => network.InputSize;

    /// <summary>Width of the latent code.</summary>
    public int LatentSize => network.LatentSize;

    /// <summary>Mean reconstruction loss (MSE in scaled units) after each training epoch.</summary>
    public IReadOnlyList<double> LossHistory { get; }

    /// <summary>Wall-clock training time (zero for an autoencoder loaded from a file that did not record it).</summary>
    public TimeSpan TrainingTime { get; }

    /// <summary>The scaling applied to inputs before the network (fitted on the training data).</summary>
    public Scaler Scaler { get; }

    internal AutoencoderNetwork Network { get { ThrowIfDisposed(); return network; } }

    /// <summary>Latent codes (N x <see cref="LatentSize"/>).</summary>
    public float[,] Encode(Dataset data) => Run(data, x => network.Encode(x));

    /// <summary>Reconstructions in the original (unscaled) feature units (N x <see cref="Features"/>).</summary>
    public float[,] Reconstruct(Dataset data) => Run(data, x => Unscale(network.forward(x)));

    /// <summary>Mean squared reconstruction error per value, in scaled units (the training loss).</summary>
    public double ReconstructionError(Dataset data)
    {
        CheckData(data);
        using var x = DeepScaling.ToTensor(Scaler, data, device);
        using var errors = AutoencoderTraining.MapChunks(x, b => (network.forward(b) - b).pow(2).sum(dim: 1));
        return errors.sum().item<float>() / ((double)data.Rows * Features);
    }

    /// <summary>Saves architecture, weights, scaler and loss history (model type "Autoencoder").</summary>
    public void Save(Stream destination)
    {
        ThrowIfDisposed();
        using var writer = new ModelWriter(destination, ModelType, FormatVersion);
        NetworkPersistence.Write(writer, network, Scaler);
        writer.Set("lossHistory", LossHistory);
        writer.Set("trainingSeconds", TrainingTime.TotalSeconds);
    }

    /// <summary>Saves to a file (created or overwritten).</summary>
    public void Save(string path) => ModelFile.WriteFile(path, Save);

    /// <summary>Loads an autoencoder saved by <see cref="Save(Stream)"/> onto <paramref name="device"/>.</summary>
    /// <exception cref="ModelFormatException">The stream is not an autoencoder file or is damaged.</exception>
    public static Autoencoder Load(Stream source, string device = "cpu")
    {
        var target = DeviceResolver.Resolve(device);
        using var reader = ModelReader.Open(source, ModelType, FormatVersion);
        var (network, scaler) = NetworkPersistence.Read(reader, target);
        var history = reader.GetOptional<double[]>("lossHistory") ?? Array.Empty<double>();
        var seconds = reader.GetOptional<double>("trainingSeconds");
        return new Autoencoder(network, scaler, history, TimeSpan.FromSeconds(double.IsFinite(seconds) && seconds >= 0 ? seconds : 0), target);
    }

    /// <summary>Loads an autoencoder file.</summary>
    public static Autoencoder Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    /// <summary>A copy of the network on <paramref name="target"/> for fine-tuning.</summary>
    internal AutoencoderNetwork CloneNetwork(Device target)
    {
        ThrowIfDisposed();
        return network.Clone(target);
    }

    /// <summary>Releases the network's tensors.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        network.Dispose();
    }

    private Tensor Unscale(Tensor scaled) => Scaler.Kind == ScalerKind.None ? scaled : Scaler.InverseTransform(scaled);

    private float[,] Run(Dataset data, Func<Tensor, Tensor> map)
    {
        CheckData(data);
        using var x = DeepScaling.ToTensor(Scaler, data, device);
        using var result = AutoencoderTraining.MapChunks(x, map);
        return DeepTensors.ToArray2D(result);
    }

    private void CheckData(Dataset data)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(data);
        if (data.Columns != Features)
            throw new ArgumentException($"the autoencoder expects {Features} features; got {data.Columns}.", nameof(data));
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);
}
