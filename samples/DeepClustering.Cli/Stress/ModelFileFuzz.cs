using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Mixtures;
using DeepClustering.Models;
using DeepClustering.Persistence;

namespace DeepClustering.Cli.Stress;

/// <summary>
/// Damaged model files: bit flips and truncation at every zip record boundary, corrupted, missing or extra zip
/// entries, and manifest edits (missing keys, wrong types, huge or negative shapes, unknown dtypes, sizes that
/// lie in both the manifest and the zip headers). Loading each through <see cref="ModelFile.Load(Stream, string)"/>
/// must give a working model or a <see cref="ModelFormatException"/>.
/// </summary>
internal static class ModelFileFuzz
{
    /// <summary>
    /// Small real model files to damage: KMeans, GaussianMixture, AutoencoderMixture and ClusteringModule, and with
    /// <paramref name="allModels"/> every other model type of the library too.
    /// </summary>
    public static List<(string Model, byte[] File)> BaseModels(int seed, bool allModels = false)
    {
        var data = Blobs(60, 4, seed);
        (string, IClusteringEstimator<IClusteringModel>)[] estimators =
        [
            ("kmeans", new KMeans(new KMeansOptions { Clusters = 3, Seed = seed })),
            ("gmm", new GaussianMixture(new GaussianMixtureOptions { Components = 3, Seed = seed, MaxIterations = 10 })),
            ("ae-gmm", new AutoencoderMixture(new AutoencoderMixtureOptions { Clusters = 3, Seed = seed, LatentSize = 2, HiddenSizes = [4], BatchSize = 30, PretrainEpochs = 1, InitialClusteringRestarts = 1 })),
            ("clustering-module", new ClusteringModule(new ClusteringModuleOptions { Clusters = 3, Seed = seed, Epochs = 1, BatchSize = 30, InitRestarts = 1 })),
        ];
        if (allModels)
            estimators =
            [
                .. estimators,
                ("soft-kmeans", new SoftKMeans(new SoftKMeansOptions { Components = 3, Seed = seed, Regularization = 0.01 })),
                ("dpgmm", new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions { Components = 3, Seed = seed, MaxIterations = 10 })),
                ("cm-ae", new ClusteringModuleAutoencoder(new ClusteringModuleAutoencoderOptions { Clusters = 3, Seed = seed, LatentSize = 2, HiddenSizes = [4], BatchSize = 30, PretrainEpochs = 1, Epochs = 1, ModuleWarmupEpochs = 1, InitialClusteringRestarts = 1 })),
                ("mixae", new MixtureOfAutoencoders(new MixtureOfAutoencodersOptions { Clusters = 3, Seed = seed, AutoencoderHiddenSizes = [4], AutoencoderLatentSize = 2, AssignmentHiddenSize = 4, HiddenSizes = [4], Epochs = 1, BatchSize = 30 })),
                ("sr-kmeans", new SoftRegularizedKMeans(new SoftRegularizedKMeansOptions { Clusters = 3, Seed = seed, HiddenSizes = [4], BatchSize = 30, PretrainEpochs = 1, Epochs = 1, InitialClusteringRestarts = 1 })),
                ("neural-em", new NeuralMixtureEm(new NeuralMixtureEmOptions { Clusters = 3, Seed = seed, LatentSize = 4, HiddenSizes = [4], BatchSize = 30, Epochs = 2, UniformMixingEpochs = 1 })),
                ("deep-dp", new DeepDirichletProcessMixture(new DeepDirichletProcessMixtureOptions { Clusters = 3, Seed = seed, LatentSize = 2, HiddenSizes = [4], BatchSize = 30, PretrainEpochs = 1, Epochs = 1, InitialMixtureIterations = 10, MixtureIterations = 3 })),
            ];
        var files = new List<(string, byte[])>();
        foreach (var (name, estimator) in estimators)
        {
            using var model = estimator.Fit(data);
            var ms = new MemoryStream();
            model.Save(ms);
            files.Add((name, ms.ToArray()));
        }
        return files;
    }

    /// <summary>Well-separated blobs (3 clusters) of <paramref name="rows"/> rows.</summary>
    public static Dataset Blobs(int rows, int features, int seed)
    {
        var rng = new Random(seed);
        var values = new float[rows * features];
        var labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            labels[i] = i % 3;
            for (int j = 0; j < features; j++) values[i * features + j] = (float)(labels[i] * 5.0 * (j % 2 == 0 ? 1 : -1) + rng.NextDouble() - 0.5);
        }
        return Dataset.FromValues(values, rows, features, labels);
    }

    /// <summary>
    /// At least <paramref name="count"/> damaged files: every zip boundary cut and every removed top-level manifest
    /// key of every base file first, then seeded random damage (at least count / 2 of them).
    /// </summary>
    public static List<(string Name, byte[] Bytes)> Inputs(IReadOnlyList<(string Model, byte[] File)> bases, int count, Random rng)
    {
        var inputs = new List<(string, byte[])>();
        foreach (var (model, file) in bases)
        {
            foreach (int cut in ZipSurgery.Boundaries(file)) inputs.Add(($"{model} cut {cut}", file[..cut]));
            var entries = ZipSurgery.Entries(file);
            var manifest = JsonNode.Parse(entries.Single(e => e.Name == "manifest.json").Data)!.AsObject();
            foreach (var key in manifest.Select(p => p.Key).ToArray())
            {
                var edited = manifest.DeepClone().AsObject();
                edited.Remove(key);
                inputs.Add(($"{model} manifest without '{key}'", WithManifest(entries, edited)));
            }
        }
        var parsed = bases.Select(b => (b.Model, b.File, Entries: ZipSurgery.Entries(b.File))).ToArray();
        // Random damage up to the quota, and at least half the quota whatever the deterministic part's size.
        int target = Math.Max(count, inputs.Count + count / 2);
        while (inputs.Count < target)
        {
            var (model, file, entries) = parsed[rng.Next(parsed.Length)];
            var manifest = JsonNode.Parse(entries.Single(e => e.Name == "manifest.json").Data)!.AsObject();
            int kind = rng.Next(7);
            string name;
            byte[] bytes;
            switch (kind)
            {
                case 0:
                {
                    var (what, v) = FuzzBytes.Mutate(file, file.Length, rng);
                    (name, bytes) = ($"bytes {what}", v);
                    break;
                }
                case 1:
                {
                    int cut = rng.Next(file.Length);
                    (name, bytes) = ($"cut {cut}", file[..cut]);
                    break;
                }
                case 2:
                    (name, bytes) = CorruptEntry(entries, rng);
                    break;
                case 3:
                {
                    var edited = (JsonObject)manifest.DeepClone();
                    name = "manifest " + EditRandomNode(edited, rng);
                    bytes = WithManifest(entries, edited);
                    break;
                }
                case 4:
                {
                    var edited = (JsonObject)manifest.DeepClone();
                    name = "tensor table " + EditTensorTable(edited, rng);
                    bytes = WithManifest(entries, edited);
                    break;
                }
                case 5:
                {
                    var text = entries.Single(e => e.Name == "manifest.json").Data;
                    var (what, v) = FuzzBytes.Mutate(text, text.Length, rng);
                    name = $"manifest text {what}";
                    bytes = ZipSurgery.Build(entries.Select(e => e.Name == "manifest.json" ? (e.Name, v) : e));
                    break;
                }
                default:
                    (name, bytes) = LyingSize(entries, manifest, rng);
                    break;
            }
            inputs.Add(($"{model} {name} #{inputs.Count}", bytes));
        }
        return inputs;
    }

    /// <summary>Loads a (damaged) model file; a model that loads must predict on data of its width.</summary>
    /// <returns>Whether the probabilities it predicted were all finite (true when nothing loaded).</returns>
    public static bool LoadAndUse(byte[] bytes)
    {
        using var model = ModelFile.Load(new MemoryStream(bytes, writable: false));
        if (model.Features is < 1 or > 4096 || model.Clusters < 1) throw new InvalidOperationException($"a model loaded with {model.Features} features and {model.Clusters} clusters.");
        var data = Blobs(12, model.Features, 1);
        var p = model.PredictProbabilities(data);
        var labels = model.Predict(data);
        if (labels.Any(l => l < 0 || l >= model.Clusters)) throw new InvalidOperationException("a loaded model predicted a label out of range.");
        foreach (var x in p) if (!float.IsFinite(x)) return false;
        return true;
    }

    private static byte[] WithManifest(List<(string Name, byte[] Data)> entries, JsonObject manifest)
    {
        var text = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        return ZipSurgery.Build(entries.Select(e => e.Name == "manifest.json" ? (e.Name, text) : e));
    }

    private static (string, byte[]) CorruptEntry(List<(string Name, byte[] Data)> entries, Random rng)
    {
        int at = rng.Next(entries.Count);
        var (entryName, data) = entries[at];
        var list = entries.ToList();
        string what;
        switch (rng.Next(7))
        {
            case 0:
            {
                var v = (byte[])data.Clone();
                int flips = 1 + rng.Next(3);
                for (int f = 0; f < flips && v.Length > 0; f++) v[rng.Next(v.Length)] ^= (byte)(1 << rng.Next(8));
                list[at] = (entryName, v); what = "bit flips in"; break;
            }
            case 1: list[at] = (entryName, data[..(data.Length == 0 ? 0 : rng.Next(data.Length))]); what = "truncated"; break;
            case 2: list[at] = (entryName, [.. data, 1, 2, 3, 4]); what = "extended"; break;
            case 3: list.RemoveAt(at); what = "removed"; break;
            case 4: list.Insert(at, (entryName, data)); what = "duplicated"; break;
            case 5: list[at] = (entryName + "x", data); what = "renamed"; break;
            default:
            {
                // Bytes that look like an IEEE NaN/inf in every float of the tensor.
                var v = (byte[])data.Clone();
                for (int i = 3; i < v.Length; i += 4) v[i] = 0x7F;
                for (int i = 2; i < v.Length; i += 4) v[i] |= 0x80;
                list[at] = (entryName, v); what = "non-finite values in"; break;
            }
        }
        return ($"entry {what} '{entryName}'", ZipSurgery.Build(list, stored: rng.Next(4) == 0));
    }

    private static readonly Func<JsonNode?>[] Replacements =
    [
        () => null, () => "x", () => "", () => -1, () => 0, () => 1, () => int.MaxValue, () => long.MaxValue, () => 1e300, () => -1e300,
        () => 2.5, () => true, () => new JsonArray(), () => new JsonArray(1, 2, 3), () => new JsonArray(1 << 30), () => new JsonObject(),
        () => "NaN", () => "Infinity", () => 65536, () => 100_000, () => 3,
    ];

    /// <summary>Replaces, removes or duplicates one random node of the manifest tree.</summary>
    private static string EditRandomNode(JsonObject manifest, Random rng)
    {
        var nodes = new List<(JsonNode Parent, string? Key, int Index, string Path)>();
        void Walk(JsonNode node, string path)
        {
            if (node is JsonObject o)
                foreach (var (k, child) in o.ToArray()) { nodes.Add((o, k, -1, path + "." + k)); if (child is not null) Walk(child, path + "." + k); }
            else if (node is JsonArray a)
                for (int i = 0; i < a.Count; i++) { nodes.Add((a, null, i, $"{path}[{i}]")); if (a[i] is { } child) Walk(child, $"{path}[{i}]"); }
        }
        Walk(manifest, "");
        var (parent, key, index, path) = nodes[rng.Next(nodes.Count)];
        if (rng.Next(6) == 0)
        {
            if (parent is JsonObject o) o.Remove(key!); else ((JsonArray)parent).RemoveAt(index);
            return $"removed {path}";
        }
        var value = Replacements[rng.Next(Replacements.Length)]();
        if (parent is JsonObject obj) obj[key!] = value; else ((JsonArray)parent)[index] = value;
        return $"{path} = {value?.ToJsonString() ?? "null"}";
    }

    /// <summary>Edits one tensor's entry in the manifest: shape, dtype or name.</summary>
    private static string EditTensorTable(JsonObject manifest, Random rng)
    {
        if (manifest["tensors"] is not JsonArray tensors || tensors.Count == 0) return "none";
        var t = tensors[rng.Next(tensors.Count)]!.AsObject();
        string name = (string?)t["name"] ?? "?";
        switch (rng.Next(4))
        {
            case 0:
            {
                long[] huge = [1L << 31, 1L << 40, long.MaxValue, -1, 0, 3, 1 << 20, int.MaxValue];
                var shape = (JsonArray)t["shape"]!;
                long v = huge[rng.Next(huge.Length)];
                if (shape.Count == 0 || rng.Next(3) == 0) shape.Add(v); else shape[rng.Next(shape.Count)] = v;
                return $"'{name}' shape {shape.ToJsonString()}";
            }
            case 1:
            {
                string[] dtypes = ["Float16", "ComplexFloat32", "String", "42", "-1", "Int8", "Bool", "Byte", "Int64", "Float64", "Float32", "", "BFloat16"];
                var d = dtypes[rng.Next(dtypes.Length)];
                t["dtype"] = d;
                return $"'{name}' dtype {d}";
            }
            case 2:
                tensors.Add(t.DeepClone());
                return $"'{name}' listed twice";
            default:
                t["name"] = rng.Next(2) == 0 ? "" : name + "/x";
                return $"'{name}' renamed";
        }
    }

    /// <summary>
    /// A tensor whose manifest shape and zip headers both claim far more data than the file holds: loading must
    /// not allocate what the headers claim.
    /// </summary>
    private static (string, byte[]) LyingSize(List<(string Name, byte[] Data)> entries, JsonObject manifest, Random rng)
    {
        if (manifest["tensors"] is not JsonArray tensors || tensors.Count == 0) return ("no tensors", ZipSurgery.Build(entries));
        var t = tensors[rng.Next(tensors.Count)]!.AsObject();
        string name = (string?)t["name"] ?? "?";
        long elements = rng.Next(3) switch { 0 => 1L << 26, 1 => 1L << 28, _ => (1L << 30) - 1 };
        t["shape"] = new JsonArray(elements);
        t["dtype"] = "Float32";
        var bytes = WithManifest(entries, manifest);
        return ($"lying size '{name}' [{elements}]", ZipSurgery.PatchDeclaredSize(bytes, "tensors/" + name, (uint)(elements * 4)));
    }

    /// <summary>Runs about <paramref name="inputs"/> damaged model files through <paramref name="harness"/>; returns the inputs that loaded and predicted non-finite probabilities.</summary>
    public static List<string> Run(FuzzHarness harness, int inputs, int seed)
    {
        var bases = BaseModels(seed, allModels: true);
        var nonFinite = new List<string>();
        foreach (var (name, bytes) in Inputs(bases, inputs, new Random(seed)))
            harness.Run("model", name, () => { if (!LoadAndUse(bytes)) lock (nonFinite) nonFinite.Add(name); },
                typeof(ModelFormatException), typeof(ClusteringNumericsException));
        return nonFinite;
    }

    /// <summary>JSON options used by the report.</summary>
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
}
