using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace DeepClustering.Persistence;

/// <summary>
/// Reads a file written by <see cref="ModelWriter"/>. Every inconsistency (not a zip, missing manifest,
/// another model type, unsupported version, a tensor whose size disagrees with its shape) is reported as a
/// <see cref="ModelFormatException"/>; sizes are checked before anything is allocated.
/// </summary>
public sealed class ModelReader : IDisposable
{
    private const long MaxTensorBytes = 1L << 31;
    // Deflate cannot expand data by more than about 1032:1; a tensor claiming more than that from its compressed
    // bytes (or from the whole file) has a lying header, and must be rejected before its buffer is allocated.
    private const long MaxDeflateRatio = 1032;
    private readonly ZipArchive _zip;
    private long _fileLength = long.MaxValue;
    private readonly JsonObject _manifest;
    private readonly Dictionary<string, (ScalarType Dtype, long[] Shape)> _tensors = new();

    /// <summary>Model type stored in the file.</summary>
    public string ModelType { get; }

    /// <summary>Format version stored in the file.</summary>
    public int FormatVersion { get; }

    private ModelReader(ZipArchive zip, JsonObject manifest, string modelType, int version)
    {
        _zip = zip; _manifest = manifest; ModelType = modelType; FormatVersion = version;
    }

    /// <summary>
    /// Checks that the file holds a <paramref name="modelType"/> model in a format version this library reads. Type
    /// loaders call it because <see cref="ModelFile.Load(Stream, string)"/> opens files of any type.
    /// </summary>
    /// <exception cref="ModelFormatException">Another model type or an unsupported version.</exception>
    public void Require(string modelType, int maxVersion)
    {
        if (ModelType != modelType)
            throw new ModelFormatException($"the file holds a {ModelType} model, not a {modelType}; load it with {ModelType}Model.Load or ModelFile.Load.");
        if (FormatVersion < 1 || FormatVersion > maxVersion)
            throw new ModelFormatException($"{modelType} format version {FormatVersion} is not supported by this library (supports 1..{maxVersion}); upgrade DeepClustering.");
    }

    /// <summary>Opens a model file and checks its header.</summary>
    /// <param name="source">Readable (seekable or not) stream; left open.</param>
    /// <param name="expectedType">Required model type, or null to accept any.</param>
    /// <param name="maxVersion">Newest format version the caller understands.</param>
    public static ModelReader Open(Stream source, string? expectedType, int maxVersion)
    {
        ArgumentNullException.ThrowIfNull(source);
        ZipArchive zip;
        try
        {
            if (!source.CanSeek) { var ms = new MemoryStream(); source.CopyTo(ms); ms.Position = 0; source = ms; }
            zip = new ZipArchive(source, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException)
        {
            throw new ModelFormatException("not a DeepClustering model file (the zip container is unreadable): " + e.Message, e);
        }
        try
        {
            var entry = zip.GetEntry(ModelWriter.ManifestEntry)
                ?? throw new ModelFormatException("not a DeepClustering model file: manifest.json is missing.");
            if (entry.Length > 64 << 20) throw new ModelFormatException("manifest.json is implausibly large.");
            JsonObject manifest;
            using (var s = entry.Open())
                manifest = JsonNode.Parse(s) as JsonObject ?? throw new ModelFormatException("manifest.json is not a JSON object.");
            if ((string?)manifest["format"] != ModelWriter.FormatName)
                throw new ModelFormatException("not a DeepClustering model file: the manifest names another format.");
            var type = (string?)manifest["modelType"] ?? throw new ModelFormatException("manifest.json has no modelType.");
            var version = (int?)manifest["formatVersion"] ?? throw new ModelFormatException("manifest.json has no formatVersion.");
            if (expectedType is not null && type != expectedType)
                throw new ModelFormatException($"the file holds a {type} model, not a {expectedType}; load it with {type}Model.Load.");
            if (version < 1 || version > maxVersion)
                throw new ModelFormatException($"{type} format version {version} is not supported by this library (supports 1..{maxVersion}); upgrade DeepClustering.");
            var reader = new ModelReader(zip, manifest, type, version) { _fileLength = source.Length };
            if (manifest["tensors"] is JsonArray tensors)
                foreach (var t in tensors)
                {
                    var name = (string?)t?["name"] ?? throw new ModelFormatException("a tensor entry has no name.");
                    if (!Enum.TryParse<ScalarType>((string?)t!["dtype"], out var dtype)) throw new ModelFormatException($"tensor '{name}' has an unknown dtype.");
                    var shape = (t["shape"] as JsonArray)?.Select(x => (long?)x ?? -1).ToArray() ?? throw new ModelFormatException($"tensor '{name}' has no shape.");
                    if (shape.Any(x => x < 0)) throw new ModelFormatException($"tensor '{name}' has a negative dimension.");
                    reader._tensors[name] = (dtype, shape);
                }
            return reader;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or FormatException or IOException)
        {
            zip.Dispose();
            if (e is ModelFormatException) throw;
            throw new ModelFormatException("model file is corrupt: " + e.Message, e);
        }
    }

    /// <summary>Reads a manifest value.</summary>
    public T Get<T>(string key)
    {
        var node = _manifest[key] ?? throw new ModelFormatException($"model file is missing '{key}'.");
        try { return node.Deserialize<T>(ModelJson.Options) ?? throw new ModelFormatException($"model file has a null '{key}'."); }
        catch (JsonException e) { throw new ModelFormatException($"model file has an invalid '{key}': {e.Message}", e); }
    }

    /// <summary>Reads an optional manifest value.</summary>
    public T? GetOptional<T>(string key)
    {
        var node = _manifest[key];
        if (node is null) return default;
        try { return node.Deserialize<T>(ModelJson.Options); }
        catch (JsonException e) { throw new ModelFormatException($"model file has an invalid '{key}': {e.Message}", e); }
    }

    /// <summary>Whether a tensor of that name is stored.</summary>
    public bool HasTensor(string name) => _tensors.ContainsKey(name);

    /// <summary>Reads a tensor onto <paramref name="device"/>, optionally checking its shape.</summary>
    public Tensor GetTensor(string name, Device? device = null, long[]? expectedShape = null)
    {
        if (!_tensors.TryGetValue(name, out var meta)) throw new ModelFormatException($"model file is missing tensor '{name}'.");
        if (expectedShape is not null && !expectedShape.SequenceEqual(meta.Shape))
            throw new ModelFormatException($"tensor '{name}' has shape [{string.Join(",", meta.Shape)}], expected [{string.Join(",", expectedShape)}].");
        long count = 1;
        foreach (var s in meta.Shape)
        {
            // Division, not a checked product: a dimension near long.MaxValue must not overflow (OverflowException).
            if (s != 0 && count > MaxTensorBytes / s) throw new ModelFormatException($"tensor '{name}' declares an implausible size.");
            count *= s;
        }
        int width = meta.Dtype switch
        {
            ScalarType.Float32 or ScalarType.Int32 => 4,
            ScalarType.Float64 or ScalarType.Int64 => 8,
            ScalarType.Bool or ScalarType.Byte => 1,
            _ => throw new ModelFormatException($"tensor '{name}' has unsupported dtype {meta.Dtype}."),
        };
        long bytes = count * width;
        if (bytes > MaxTensorBytes) throw new ModelFormatException($"tensor '{name}' declares an implausible size.");
        var entry = _zip.GetEntry(ModelWriter.TensorPrefix + name) ?? throw new ModelFormatException($"model file is missing the data of tensor '{name}'.");
        if (entry.Length != bytes) throw new ModelFormatException($"tensor '{name}' holds {entry.Length} bytes but its shape needs {bytes}.");
        if (bytes > Math.Min(entry.CompressedLength, _fileLength) * MaxDeflateRatio + 64)
            throw new ModelFormatException($"tensor '{name}' claims {bytes:N0} bytes, more than its {entry.CompressedLength:N0} compressed bytes can hold; the file is corrupt.");
        var buffer = new byte[bytes];
        try
        {
            using var s = entry.Open();
            s.ReadExactly(buffer);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new ModelFormatException($"the data of tensor '{name}' are corrupt: {e.Message}", e);
        }
        // A damaged file must not load into a model that predicts NaN: parameters are finite by construction.
        if (meta.Dtype == ScalarType.Float32 && !AllFinite(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(buffer))
            || meta.Dtype == ScalarType.Float64 && !AllFinite(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(buffer)))
            throw new ModelFormatException($"tensor '{name}' holds non-finite values (NaN or infinity); the file is corrupt.");
        Tensor t = meta.Dtype switch
        {
            ScalarType.Float32 => tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(buffer).ToArray(), meta.Shape),
            ScalarType.Float64 => tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(buffer).ToArray(), meta.Shape),
            ScalarType.Int32 => tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(buffer).ToArray(), meta.Shape),
            ScalarType.Int64 => tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(buffer).ToArray(), meta.Shape),
            ScalarType.Bool => tensor(buffer.Select(b => b != 0).ToArray(), meta.Shape),
            _ => tensor(buffer, meta.Shape),
        };
        if (device is null || device.type == TorchSharp.DeviceType.CPU) return t;
        using (t) return t.to(device);
    }

    /// <summary>
    /// An upper bound of the bytes the tensors named <paramref name="prefix"/>* can hold: each entry's size, capped
    /// by what its compressed bytes can expand to. Lets a loader check an architecture read from the manifest
    /// before it builds (allocates) the network.
    /// </summary>
    internal long StoredTensorBytes(string prefix)
    {
        long total = 0;
        foreach (var entry in _zip.Entries)
            if (entry.FullName.StartsWith(ModelWriter.TensorPrefix + prefix, StringComparison.Ordinal))
                total += Math.Min(entry.Length, Math.Min(entry.CompressedLength, _fileLength) * MaxDeflateRatio + 64);
        return total;
    }

    /// <summary>
    /// Copies stored parameters and buffers into <paramref name="module"/> (shapes must match). Entries for which
    /// <paramref name="mayBeAbsent"/> is true may be missing (state added in a later format version); the module then
    /// keeps its own value.
    /// </summary>
    public void LoadModule(string prefix, nn.Module module, Func<string, bool>? mayBeAbsent = null)
    {
        using var noGrad = no_grad();
        foreach (var (key, target) in module.state_dict())
        {
            if (mayBeAbsent is not null && !HasTensor(prefix + "/" + key) && mayBeAbsent(key)) continue;
            using var value = GetTensor(prefix + "/" + key, null, target.shape);
            if (value.dtype != target.dtype) throw new ModelFormatException($"tensor '{prefix}/{key}' is {value.dtype}, expected {target.dtype}.");
            target.copy_(value);
        }
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var v in values) if (!float.IsFinite(v)) return false;
        return true;
    }

    private static bool AllFinite(ReadOnlySpan<double> values)
    {
        foreach (var v in values) if (!double.IsFinite(v)) return false;
        return true;
    }

    /// <summary>Closes the archive.</summary>
    public void Dispose() => _zip.Dispose();
}
