using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Persistence;

/// <summary>
/// Writes a model file: a zip archive with <c>manifest.json</c> (format name, format version, model type and
/// whatever metadata the model adds: options, feature count, scaler, ...) and one binary entry per tensor.
/// Tensors are stored in our own small format (dtype, shape, little-endian values) rather than through native
/// TorchSharp serialisation, so that a corrupt file can always be rejected with a managed exception.
/// </summary>
public sealed class ModelWriter : IDisposable
{
    internal const string FormatName = "DeepClustering.Model";
    internal const string ManifestEntry = "manifest.json";
    internal const string TensorPrefix = "tensors/";

    private readonly ZipArchive _zip;
    private readonly JsonObject _manifest = new();
    private readonly JsonArray _tensors = new();

    /// <summary>Starts a model file on <paramref name="destination"/> (left open).</summary>
    /// <param name="destination">Writable stream.</param>
    /// <param name="modelType">Model type name checked on load.</param>
    /// <param name="formatVersion">Version of this model type's layout.</param>
    public ModelWriter(Stream destination, string modelType, int formatVersion)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
        _manifest["format"] = FormatName;
        _manifest["modelType"] = modelType;
        _manifest["formatVersion"] = formatVersion;
        _manifest["library"] = typeof(ModelWriter).Assembly.GetName().Version?.ToString();
    }

    /// <summary>Stores a JSON-serialisable value in the manifest.</summary>
    public void Set<T>(string key, T value) => _manifest[key] = JsonSerializer.SerializeToNode(value, ModelJson.Options);

    /// <summary>Stores a tensor (copied to CPU).</summary>
    public void AddTensor(string name, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var t = tensor.detach().cpu().contiguous();
        var dtype = t.dtype;
        byte[] bytes = dtype switch
        {
            ScalarType.Float32 => AsBytes(t.data<float>().ToArray()),
            ScalarType.Float64 => AsBytes(t.data<double>().ToArray()),
            ScalarType.Int64 => AsBytes(t.data<long>().ToArray()),
            ScalarType.Int32 => AsBytes(t.data<int>().ToArray()),
            ScalarType.Bool => t.data<bool>().ToArray().Select(b => b ? (byte)1 : (byte)0).ToArray(),
            ScalarType.Byte => t.data<byte>().ToArray(),
            _ => throw new NotSupportedException($"tensor '{name}' has dtype {dtype}, which model files do not store."),
        };
        var entry = _zip.CreateEntry(TensorPrefix + name, CompressionLevel.Fastest);
        using (var s = entry.Open()) s.Write(bytes);
        _tensors.Add(new JsonObject
        {
            ["name"] = name,
            ["dtype"] = dtype.ToString(),
            ["shape"] = new JsonArray(t.shape.Select(x => (JsonNode)x).ToArray()),
        });
    }

    /// <summary>Stores every parameter and buffer of a module under <c>prefix/</c>.</summary>
    public void AddModule(string prefix, nn.Module module)
    {
        foreach (var (key, value) in module.state_dict()) AddTensor(prefix + "/" + key, value);
    }

    /// <summary>Writes the manifest and closes the archive (the stream stays open).</summary>
    public void Dispose()
    {
        _manifest["tensors"] = _tensors;
        var entry = _zip.CreateEntry(ManifestEntry, CompressionLevel.Fastest);
        using (var s = entry.Open()) JsonSerializer.Serialize(s, _manifest, new JsonSerializerOptions { WriteIndented = true });
        _zip.Dispose();
    }

    private static byte[] AsBytes<T>(T[] values) where T : unmanaged
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("model files are little-endian.");
        return bytes;
    }
}

/// <summary>JSON settings shared by model files (enums as strings).</summary>
internal static class ModelJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
