using System.Text;
using System.Text.Json.Nodes;
using DeepClustering.Cli.Stress;
using DeepClustering.Core;
using DeepClustering.Mixtures;
using DeepClustering.Persistence;
using Xunit.Abstractions;

namespace DeepClustering.Tests.Reliability;

/// <summary>
/// Seeded quick version of <c>stress fuzz</c> for model files, and regressions of the bugs the long run found:
/// damaged files load or fail with <see cref="ModelFormatException"/>, never another exception, never a large
/// allocation driven by a lying header, never a model that predicts NaN.
/// </summary>
public sealed class ModelFileFuzzTests(ITestOutputHelper output)
{
    private const long MaxAllocationPerCase = 64L << 20;
    private static readonly Lazy<List<(string Model, byte[] File)>> Bases = new(() => ModelFileFuzz.BaseModels(5));
    private static readonly Lazy<List<(string Model, byte[] File)>> AllBases = new(() => ModelFileFuzz.BaseModels(5, allModels: true));

    [Fact(Timeout = 120_000)]
    public async Task DamagedModelFilesLoadOrFailWithModelFormatException()
    {
        // Every model type: the deterministic part (every zip boundary cut, every missing manifest key) plus at
        // least 300 random damages.
        var inputs = ModelFileFuzz.Inputs(AllBases.Value, 600, new Random(11));
        await Task.Run(() =>
        {
            int loaded = 0, rejected = 0;
            foreach (var (name, bytes) in inputs)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    Assert.True(ModelFileFuzz.LoadAndUse(bytes), $"{name}: the loaded model predicted non-finite probabilities.");
                    loaded++;
                }
                catch (Exception e) when (e is ModelFormatException or ClusteringNumericsException) { rejected++; }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                {
                    Assert.Fail($"{name}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(allocated < MaxAllocationPerCase, $"{name}: allocated {allocated:N0} bytes");
            }
            output.WriteLine($"{inputs.Count} damaged model files: {loaded} loaded, {rejected} rejected.");
            Assert.True(rejected > inputs.Count / 2, "suspiciously few damaged files were rejected");
        });
    }

    [Fact]
    public void TensorSizeThatLiesInManifestAndZipHeadersIsRejectedBeforeAllocating()
    {
        // Regression: a 1 KB file declaring a 1 GiB tensor (manifest shape and zip header sizes agree) made
        // GetTensor allocate the whole buffer before reading; 4 GiB threw OverflowException.
        var file = Bases.Value.Single(b => b.Model == "kmeans").File;
        foreach (long elements in new[] { 1L << 28, (1L << 30) - 1 })
        {
            var entries = ZipSurgery.Entries(file);
            var manifest = JsonNode.Parse(entries.Single(e => e.Name == "manifest.json").Data)!.AsObject();
            var tensor = manifest["tensors"]!.AsArray().First(t => (string?)t!["name"] == "centroids")!.AsObject();
            tensor["shape"] = new JsonArray(elements);
            tensor["dtype"] = "Float32";
            var text = Encoding.UTF8.GetBytes(manifest.ToJsonString());
            var zip = ZipSurgery.Build(entries.Select(e => e.Name == "manifest.json" ? (e.Name, text) : e));
            var lying = ZipSurgery.PatchDeclaredSize(zip, "tensors/centroids", (uint)(elements * 4));
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<ModelFormatException>(() => ModelFile.Load(new MemoryStream(lying)));
            Assert.Contains("centroids", e.Message);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < MaxAllocationPerCase);
        }
    }

    [Theory]
    [InlineData("ae-gmm", "network/decoder.layers.0.bias")]
    [InlineData("ae-gmm", "network/encoder.layers.0.weight")]
    [InlineData("clustering-module", "module/bias")]
    [InlineData("kmeans", "centroids")]
    public void NonFiniteParametersAreRejected(string model, string tensor)
    {
        // Regression: a NaN in a stored parameter loaded into a model whose predictions were NaN (or whose
        // Predict threw ArgumentException from the data checks of the latent mixture); the k-means loader alone
        // skipped the check, and a NaN centre predicted silently wrong labels.
        var file = Bases.Value.Single(b => b.Model == model).File;
        var entries = ZipSurgery.Entries(file);
        var entry = "tensors/" + tensor;
        Assert.Contains(entries, e => e.Name == entry);
        var manifest = JsonNode.Parse(entries.Single(e => e.Name == "manifest.json").Data)!.AsObject();
        var dtype = (string?)manifest["tensors"]!.AsArray().Single(t => (string?)t!["name"] == tensor)!["dtype"];
        var nan = dtype == "Float64" ? BitConverter.GetBytes(double.NaN) : BitConverter.GetBytes(float.NaN);
        var damaged = ZipSurgery.Build(entries.Select(e =>
        {
            if (e.Name != entry) return e;
            var v = (byte[])e.Data.Clone();
            nan.CopyTo(v, 0);
            return (e.Name, v);
        }));
        var ex = Assert.Throws<ModelFormatException>(() => ModelFile.Load(new MemoryStream(damaged)));
        Assert.Contains("non-finite", ex.Message);
        Assert.Contains(tensor.Split('/')[^1], ex.Message);
    }

    [Theory]
    [InlineData("kmeans")]
    [InlineData("ae-gmm")]
    public void HugeElapsedTimeInSummaryIsRejected(string model)
    {
        // Regression: summary.ElapsedSeconds = 1e300 made TimeSpan.FromSeconds throw OverflowException.
        var entries = ZipSurgery.Entries(Bases.Value.Single(b => b.Model == model).File);
        var manifest = JsonNode.Parse(entries.Single(e => e.Name == "manifest.json").Data)!.AsObject();
        manifest["summary"]!["ElapsedSeconds"] = 1e300;
        var text = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var damaged = ZipSurgery.Build(entries.Select(e => e.Name == "manifest.json" ? (e.Name, text) : e));
        var ex = Assert.Throws<ModelFormatException>(() => ModelFile.Load(new MemoryStream(damaged)));
        Assert.Contains("summary", ex.Message);
    }

    [Theory]
    [InlineData("clustering-module", 1e300, 1.0)]
    [InlineData("ae-gmm", -1e300, 1.0)]
    [InlineData("ae-gmm", 0.0, 1e-300)]
    public void ScalerStateOutsideWhatAFitCanProduceIsRejected(string model, double offset, double scale)
    {
        // Regression: scaler.Offset[0] = 1e300 loaded, and every prediction was NaN.
        Assert.Throws<ArgumentException>(() => DeepClustering.Data.Scaler.FromState(DeepClustering.Data.ScalerKind.Standardize, [offset], [scale]));
        var entries = ZipSurgery.Entries(Bases.Value.Single(b => b.Model == model).File);
        var manifest = JsonNode.Parse(entries.Single(e => e.Name == "manifest.json").Data)!.AsObject();
        manifest["scaler"]!["Offset"]![0] = offset;
        manifest["scaler"]!["Scale"]![0] = scale;
        var text = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var damaged = ZipSurgery.Build(entries.Select(e => e.Name == "manifest.json" ? (e.Name, text) : e));
        var ex = Assert.Throws<ModelFormatException>(() => ModelFile.Load(new MemoryStream(damaged)));
        Assert.Contains("scaler", ex.Message);
    }

    [Fact]
    public void HugeStoredArchitectureIsRejectedBeforeTheNetworkIsBuilt()
    {
        // Regression: HiddenSizes edited to [16384, 16384] built (and initialised) a 1 GiB network before the
        // stored weights were found not to match; [65536, 65536] would have asked for 17 GiB.
        var entries = ZipSurgery.Entries(Bases.Value.Single(b => b.Model == "ae-gmm").File);
        var manifest = JsonNode.Parse(entries.Single(e => e.Name == "manifest.json").Data)!.AsObject();
        manifest["architecture"]!["HiddenSizes"] = new JsonArray(16384, 16384);
        var text = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var damaged = ZipSurgery.Build(entries.Select(e => e.Name == "manifest.json" ? (e.Name, text) : e));
        var ex = Assert.Throws<ModelFormatException>(() => ModelFile.Load(new MemoryStream(damaged)));
        Assert.Contains("needs more weights than the file holds", ex.Message);
    }

    [Fact]
    public void DimensionNearLongMaxValueIsRejected()
    {
        // Regression: shape [1538, 9223372036854775807] overflowed the checked element count (OverflowException).
        var entries = ZipSurgery.Entries(Bases.Value.Single(b => b.Model == "kmeans").File);
        var manifest = JsonNode.Parse(entries.Single(e => e.Name == "manifest.json").Data)!.AsObject();
        var tensor = manifest["tensors"]!.AsArray().First(t => (string?)t!["name"] == "centroids")!.AsObject();
        tensor["shape"] = new JsonArray(3L, long.MaxValue);
        var text = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var damaged = ZipSurgery.Build(entries.Select(e => e.Name == "manifest.json" ? (e.Name, text) : e));
        var ex = Assert.Throws<ModelFormatException>(() => ModelFile.Load(new MemoryStream(damaged)));
        Assert.Contains("centroids", ex.Message);
    }

    [Theory]
    [InlineData("soft-kmeans", "tensors/centroids")]
    [InlineData("dpgmm", "tensors/means")]
    [InlineData("gmm", "tensors/means")]
    public void HugeStoredMeansGiveAClearExceptionNotNaN(string model, string entry)
    {
        // Regression: float64 centres of ~1e300 (finite, so loadable) made every squared distance overflow and
        // PredictProbabilities return NaN rows.
        var file = AllBases.Value.Single(b => b.Model == model).File;
        var damaged = ZipSurgery.Build(ZipSurgery.Entries(file).Select(e =>
        {
            if (e.Name != entry) return e;
            var v = (byte[])e.Data.Clone();
            for (int i = 0; i + 8 <= v.Length; i += 8) BitConverter.GetBytes(1e300).CopyTo(v, i);
            return (e.Name, v);
        }));
        IClusteringModel loaded;
        try { loaded = ModelFile.Load(new MemoryStream(damaged)); }
        catch (ModelFormatException) { return; } // rejecting the file is as good
        using (loaded)
        {
            var data = ModelFileFuzz.Blobs(12, loaded.Features, 1);
            Assert.Throws<ClusteringNumericsException>(() => loaded.PredictProbabilities(data));
            Assert.Throws<ClusteringNumericsException>(() => loaded.Predict(data));
        }
    }

    [Theory]
    [InlineData("ae-gmm")]
    [InlineData("cm-ae")]
    [InlineData("deep-dp")]
    public void HugeNetworkWeightsGiveAClearExceptionNotNaN(string model)
    {
        // Regression: a bit flip made an encoder weight huge (finite); the codes overflowed and Predict threw
        // ArgumentException "data contains a non-finite value" (ae-gmm's latent mixture) or returned NaN.
        var file = AllBases.Value.Single(b => b.Model == model).File;
        var damaged = ZipSurgery.Build(ZipSurgery.Entries(file).Select(e =>
        {
            if (!e.Name.StartsWith("tensors/network/encoder.", StringComparison.Ordinal) || !e.Name.EndsWith(".weight", StringComparison.Ordinal)) return e;
            var v = (byte[])e.Data.Clone();
            for (int i = 0; i + 4 <= v.Length; i += 4) BitConverter.GetBytes(1e30f).CopyTo(v, i);
            return (e.Name, v);
        }));
        using var loaded = ModelFile.Load(new MemoryStream(damaged));
        var data = ModelFileFuzz.Blobs(12, loaded.Features, 1);
        Assert.Throws<ClusteringNumericsException>(() => loaded.PredictProbabilities(data));
        Assert.Throws<ClusteringNumericsException>(() => loaded.Predict(data));
    }
}
