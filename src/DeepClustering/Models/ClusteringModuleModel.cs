using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Networks;
using DeepClustering.Persistence;
using DeepClustering.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// A fitted shallow <see cref="ClusteringModule"/>. As an autoencoder its code is the assignment vector γ, so
/// <see cref="Embed"/> returns the soft assignments and <see cref="Reconstruct"/> the module's reconstruction γU (in
/// the original feature units). Dispose it when done.
/// </summary>
public sealed class ClusteringModuleModel : IEmbeddingModel
{
    /// <summary>Model type stored in files.</summary>
    public const string ModelType = "ClusteringModule";
    private const int FormatVersion = 1;
    private const int Chunk = 4096;

    private readonly ClusteringModuleLayer layer;
    private readonly Scaler scaler;
    private readonly Device device;
    private bool disposed;

    internal ClusteringModuleModel(ClusteringModuleOptions options, ClusteringModuleLayer layer, Scaler scaler, FitSummary summary, Device device)
    {
        Options = options;
        this.layer = layer;
        this.scaler = scaler;
        Summary = summary;
        this.device = device;
        layer.eval();
    }

    /// <summary>The options the model was fitted with.</summary>
    public ClusteringModuleOptions Options { get; }

    /// <inheritdoc />
    public int Clusters => layer.Clusters;

    /// <inheritdoc />
    public int Features => layer.InputSize;

    /// <inheritdoc />
    public FitSummary Summary { get; }

    /// <summary>Device holding the model's tensors.</summary>
    public Device Device => device;

    /// <summary>The input scaling fitted with the model.</summary>
    public Scaler Scaler => scaler;

    /// <summary>The centroids (K x features) in the original feature units.</summary>
    public float[,] Centroids
    {
        get
        {
            ThrowIfDisposed();
            using var scope = NewDisposeScope();
            return DeepTensors.ToArray2D(Unscale(layer.Centroids.detach()));
        }
    }

    /// <inheritdoc />
    public int[] Predict(Dataset data)
    {
        using var labels = Map(data, b => layer.Logits(b).argmax(1));
        return DeepTensors.ToIntArray(labels);
    }

    /// <inheritdoc />
    public float[,] PredictProbabilities(Dataset data) => ToArray(Map(data, layer.Assignments));

    /// <summary>The module's code of each row: its soft assignments γ (N x K), the same as <see cref="PredictProbabilities"/>.</summary>
    public float[,] Embed(Dataset data) => PredictProbabilities(data);

    /// <summary>The module's reconstruction γU of each row in the original feature units (N x features).</summary>
    public float[,] Reconstruct(Dataset data) => ToArray(Map(data, b => Unscale(layer.forward(b))));

    /// <summary>
    /// Mean soft k-means distortion per row, (1/N) Σ_i Σ_k γ_ik ‖x_i − μ_k‖², in scaled units (the module's E1 + E2 + E3).
    /// </summary>
    public double Distortion(Dataset data)
    {
        using var sums = Map(data, b => ClusteringModuleLoss.SquaredDistances(b, layer.Centroids).mul(layer.Assignments(b)).sum(dim: 1));
        using var total = sums.to(ScalarType.Float64).sum();
        return total.item<double>() / data.Rows;
    }

    /// <inheritdoc />
    public void Save(Stream destination)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(destination);
        using var writer = new ModelWriter(destination, ModelType, FormatVersion);
        writer.Set("clusters", Clusters);
        writer.Set("features", Features);
        writer.Set("options", Options);
        FitSummaryRecord.Write(writer, Summary);
        writer.Set("scaler", new ScalerRecord(scaler.Kind, scaler.Offset.ToArray(), scaler.Scale.ToArray()));
        writer.AddModule("module", layer);
    }

    /// <summary>Saves to a file (created or overwritten).</summary>
    public void Save(string path) => ModelFile.WriteFile(path, Save);

    /// <summary>Loads a model saved by <see cref="Save(Stream)"/> onto <paramref name="device"/>.</summary>
    /// <exception cref="ModelFormatException">Not a clustering-module file, an unsupported version, or damaged.</exception>
    public static ClusteringModuleModel Load(Stream source, string device = "cpu") =>
        ModelFile.Read(source, ModelType, FormatVersion, reader => Load(reader, device));

    /// <summary>Loads a model file.</summary>
    public static ClusteringModuleModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    /// <summary>Loads from an opened model file (used by <see cref="ModelFile"/>).</summary>
    internal static ClusteringModuleModel Load(ModelReader reader, string device)
    {
        var target = DeviceResolver.Resolve(device);
        reader.Require(ModelType, FormatVersion);
        var options = reader.Get<ClusteringModuleOptions>("options");
        int clusters = reader.Get<int>("clusters"), features = reader.Get<int>("features");
        if (clusters < 1 || clusters > 100_000 || features < 1 || features > 1 << 24 || clusters != options.Clusters)
            throw new ModelFormatException($"the {ModelType} file has an implausible size ({clusters} clusters, {features} features).");
        var s = reader.Get<ScalerRecord>("scaler");
        Scaler scaler;
        try { scaler = Scaler.FromState(s.Kind, s.Offset ?? Array.Empty<double>(), s.Scale ?? Array.Empty<double>()); }
        catch (ArgumentException e) { throw new ModelFormatException($"the {ModelType} file's input scaler is damaged: {e.Message}", e); }
        if (scaler.Features != features) throw new ModelFormatException($"the {ModelType} file's input scaler has {scaler.Features} features, not {features}.");
        var summary = FitSummaryRecord.Read(reader);
        var layer = new ClusteringModuleLayer(features, clusters, generator: null);
        try
        {
            reader.LoadModule("module", layer);
            layer.to(target);
            return new ClusteringModuleModel(options, layer, scaler, summary, target);
        }
        catch
        {
            layer.Dispose();
            throw;
        }
    }

    /// <summary>Releases the module's tensors.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        layer.Dispose();
    }

    private Tensor Map(Dataset data, Func<Tensor, Tensor> map)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(data);
        if (data.Columns != Features)
            throw new ArgumentException($"the model was fitted on {Features} features; got {data.Columns}.", nameof(data));
        using var x = DeepScaling.ToTensor(scaler, data, device);
        return AutoencoderTraining.MapChunks(x, map, Chunk);
    }

    private static float[,] ToArray(Tensor t)
    {
        using (t) return DeepTensors.ToArray2D(t);
    }

    private Tensor Unscale(Tensor scaled) => scaler.Kind == ScalerKind.None ? scaled : scaler.InverseTransform(scaled);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    private sealed record ScalerRecord(ScalerKind Kind, double[] Offset, double[] Scale);
}
