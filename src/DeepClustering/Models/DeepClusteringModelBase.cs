using System.Text.Json;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Networks;
using DeepClustering.Persistence;
using DeepClustering.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// Base of every fitted deep clustering model: the trained autoencoder, the model's clustering head, the input
/// scaler and the fit summary. Prediction, embedding and reconstruction run in chunks without gradients in eval
/// mode; <see cref="Save(Stream)"/> stores the whole model (network weights, head parameters and state, scaler,
/// options, summary). A concrete model adds its <see cref="ModelType"/> and a static <c>Load</c> built on
/// <c>LoadModel</c>.
/// </summary>
public abstract class DeepClusteringModelBase : IEmbeddingModel
{
    private const int Chunk = 2048;
    private readonly AutoencoderNetwork network;
    private readonly DeepClusteringHead head;
    private readonly Scaler scaler;
    private bool disposed;

    /// <summary>Takes ownership of the parts' network and of <paramref name="head"/>.</summary>
    protected DeepClusteringModelBase(DeepModelParts parts, DeepClusteringHead head)
    {
        ArgumentNullException.ThrowIfNull(parts);
        this.head = head ?? throw new ArgumentNullException(nameof(head));
        network = parts.Network;
        scaler = parts.Scaler;
        Device = parts.Device;
        Options = parts.Options;
        Summary = parts.Summary;
        PretrainingLossHistory = parts.PretrainingLossHistory;
        Clusters = head.Clusters;
        Features = network.InputSize;
        LatentSize = network.LatentSize;
        network.eval();
        head.eval();
    }

    /// <summary>Model type written to and checked in model files (e.g. "AutoencoderMixture").</summary>
    public abstract string ModelType { get; }

    /// <summary>Layout version of this model type's files.</summary>
    protected virtual int FormatVersion => 1;

    /// <inheritdoc />
    public int Clusters { get; }

    /// <inheritdoc />
    public int Features { get; }

    /// <summary>Width of the latent code.</summary>
    public int LatentSize { get; }

    /// <inheritdoc />
    public FitSummary Summary { get; }

    /// <summary>The options the model was fitted with.</summary>
    public DeepClusteringOptions Options { get; }

    /// <summary>The autoencoder's architecture.</summary>
    public AutoencoderArchitecture Architecture { get { ThrowIfDisposed(); return network.Architecture; } }

    /// <summary>Reconstruction loss per pretraining epoch.</summary>
    public IReadOnlyList<double> PretrainingLossHistory { get; }

    /// <summary>The input scaler fitted with the network.</summary>
    public Scaler Scaler => scaler;

    /// <summary>Device holding the model's tensors.</summary>
    public Device Device { get; }

    /// <summary>The trained network (owned by the model).</summary>
    protected AutoencoderNetwork Network { get { ThrowIfDisposed(); return network; } }

    /// <summary>The clustering head (owned by the model).</summary>
    protected DeepClusteringHead Head { get { ThrowIfDisposed(); return head; } }

    /// <inheritdoc />
    public int[] Predict(Dataset data)
    {
        using var x = Prepare(data);
        using var labels = AutoencoderTraining.MapChunks(x, b => FiniteProbabilities(b).argmax(1), Chunk);
        return DeepTensors.ToIntArray(labels);
    }

    /// <inheritdoc />
    public float[,] PredictProbabilities(Dataset data)
    {
        using var x = Prepare(data);
        using var p = AutoencoderTraining.MapChunks(x, FiniteProbabilities, Chunk);
        return DeepTensors.ToArray2D(p);
    }

    /// <summary>
    /// The head's probabilities of a batch; rows far outside the training data (or a damaged model file) can
    /// overflow the codes or the probabilities, which must surface as an exception, never as NaN or label 0.
    /// </summary>
    private Tensor FiniteProbabilities(Tensor batch)
    {
        var codes = head.Codes(network, batch);
        var p = isfinite(codes).all().item<bool>() ? head.Probabilities(batch, codes) : null;
        if (p is null || !isfinite(p).all().item<bool>())
            throw new ClusteringNumericsException($"the {ModelType} model's {(p is null ? "codes" : "probabilities")} of some rows are not finite (rows far outside the training data, or a damaged model file); scale the data like the training data.");
        return p;
    }

    /// <inheritdoc />
    public float[,] Embed(Dataset data)
    {
        using var x = Prepare(data);
        using var z = AutoencoderTraining.MapChunks(x, b => head.Codes(network, b), Chunk);
        return DeepTensors.ToArray2D(z);
    }

    /// <summary>Reconstruction of the input in the original (unscaled) feature units (N x features).</summary>
    public float[,] Reconstruct(Dataset data)
    {
        using var x = Prepare(data);
        using var r = AutoencoderTraining.MapChunks(x, b => scaler.InverseTransform(head.Reconstruction(network, b, head.Codes(network, b))), Chunk);
        return DeepTensors.ToArray2D(r);
    }

    /// <summary>
    /// A standalone copy of the model's autoencoder (fine-tuned weights and scaler), e.g. to start other models
    /// from it. The caller disposes it.
    /// </summary>
    public Autoencoder ToAutoencoder()
    {
        ThrowIfDisposed();
        return new Autoencoder(network.Clone(Device), scaler, PretrainingLossHistory, TimeSpan.Zero, Device);
    }

    /// <inheritdoc />
    public void Save(Stream destination)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(destination);
        using var writer = new ModelWriter(destination, ModelType, FormatVersion);
        NetworkPersistence.Write(writer, network, scaler);
        writer.Set("clusters", Clusters);
        writer.Set("options", JsonSerializer.SerializeToNode(Options, Options.GetType(), ModelJson.Options));
        FitSummaryRecord.Write(writer, Summary);
        writer.Set("pretrainingLossHistory", PretrainingLossHistory);
        writer.AddModule("head", head);
        head.SaveState(writer);
    }

    /// <summary>Saves to a file (created or overwritten).</summary>
    public void Save(string path) => ModelFile.WriteFile(path, Save);

    /// <summary>
    /// Loads a model file: checks the type and version, restores network, scaler, options and summary onto
    /// <paramref name="device"/>, lets <paramref name="create"/> rebuild the head from the manifest (reading its
    /// <see cref="DeepClusteringHead.SaveState"/> entries) and the model, then loads the head's parameters and buffers.
    /// </summary>
    /// <exception cref="ModelFormatException">Wrong model type, unsupported version, or a damaged file.</exception>
    protected static TModel LoadModel<TModel, TOptions>(Stream source, string modelType, int maxVersion, string device,
        Func<DeepModelParts, ModelReader, TModel> create)
        where TModel : DeepClusteringModelBase
        where TOptions : DeepClusteringOptions
    {
        ArgumentNullException.ThrowIfNull(source);
        using var reader = ModelReader.Open(source, modelType, maxVersion);
        return LoadModel<TModel, TOptions>(reader, modelType, maxVersion, device, create);
    }

    /// <summary>
    /// Loads a model from an opened file (for <see cref="ModelFile"/>'s registry); checks type and version like
    /// the stream overload.
    /// </summary>
    protected static TModel LoadModel<TModel, TOptions>(ModelReader reader, string modelType, int maxVersion, string device,
        Func<DeepModelParts, ModelReader, TModel> create)
        where TModel : DeepClusteringModelBase
        where TOptions : DeepClusteringOptions
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(create);
        reader.Require(modelType, maxVersion);
        var target = DeviceResolver.Resolve(device);
        var options = reader.Get<TOptions>("options");
        var summary = FitSummaryRecord.Read(reader);
        var history = reader.GetOptional<double[]>("pretrainingLossHistory") ?? Array.Empty<double>();
        var (network, scaler) = NetworkPersistence.Read(reader, target);
        TModel? model = null;
        try
        {
            var parts = new DeepModelParts(network, scaler, options, summary, history, target);
            model = create(parts, reader);
            var head = model.Head;
            if (reader.Get<int>("clusters") != head.Clusters)
                throw new ModelFormatException("the stored cluster count does not match the model's head.");
            reader.LoadModule("head", head, key => head.MayBeAbsentFromFile(key, reader.FormatVersion));
            head.to(target);
            head.eval();
            return model;
        }
        catch (Exception e) when (e is not ModelFormatException)
        {
            if (model is not null) model.Dispose(); else network.Dispose();
            if (e is ArgumentException or InvalidOperationException or JsonException or FormatException)
                throw new ModelFormatException($"the {modelType} model file is damaged: {e.Message}", e);
            throw;
        }
        catch
        {
            if (model is not null) model.Dispose(); else network.Dispose();
            throw;
        }
    }

    /// <summary>Releases the network and the head.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases owned resources; override to release more and call the base.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        head.Dispose();
        network.Dispose();
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> after <see cref="Dispose()"/>.</summary>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    private Tensor Prepare(Dataset data)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(data);
        if (data.Columns != Features)
            throw new ArgumentException($"the model was fitted on {Features} features; got {data.Columns}.", nameof(data));
        return DeepScaling.ToTensor(scaler, data, Device);
    }
}
