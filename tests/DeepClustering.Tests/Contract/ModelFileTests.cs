using System.IO.Compression;
using System.Text;
using DeepClustering.Mixtures;
using DeepClustering.Persistence;

namespace DeepClustering.Tests.Contract;

public class ModelFileTests
{
    private static byte[] SavedKMeans()
    {
        var data = EstimatorChecks.Blobs(2, 10, 3, 1);
        using var model = new KMeans(new KMeansOptions { Clusters = 2 }).Fit(data);
        using var ms = new MemoryStream();
        model.Save(ms);
        return ms.ToArray();
    }

    [Fact]
    public void ForeignBytesAreRejectedClearly()
    {
        using var ms = new MemoryStream(Encoding.UTF8.GetBytes("this is not a model file at all"));
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Load(ms));
        Assert.Contains("not a DeepClustering model file", e.Message);
    }

    [Fact]
    public void TruncatedFileIsRejected()
    {
        var bytes = SavedKMeans();
        using var ms = new MemoryStream(bytes, 0, bytes.Length / 2);
        Assert.Throws<ModelFormatException>(() => ModelFile.Load(ms));
    }

    [Fact]
    public void AZipWithoutManifestIsRejected()
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            using (var s = zip.CreateEntry("readme.txt").Open()) s.Write("hello"u8);
        ms.Position = 0;
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Load(ms));
        Assert.Contains("manifest", e.Message);
    }

    [Fact]
    public void AnotherModelTypeIsNamedInTheError()
    {
        using var ms = new MemoryStream(SavedKMeans());
        var e = Assert.Throws<ModelFormatException>(() => GaussianMixtureModel.Load(ms));
        Assert.Contains("KMeans", e.Message);
    }

    [Fact]
    public void TamperedTensorIsRejected()
    {
        var bytes = SavedKMeans();
        using var ms = new MemoryStream();
        ms.Write(bytes);
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Update, leaveOpen: true))
        {
            zip.GetEntry("tensors/centroids")!.Delete();
            using var s = zip.CreateEntry("tensors/centroids").Open();
            s.Write(new byte[5]);
        }
        ms.Position = 0;
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Load(ms));
        Assert.Contains("centroids", e.Message);
    }

    [Fact]
    public void UnknownModelTypeListsTheKnownOnes()
    {
        using var ms = new MemoryStream();
        using (var w = new ModelWriter(ms, "NoSuchModel", 1)) w.Set("x", 1);
        ms.Position = 0;
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Load(ms));
        Assert.Contains("NoSuchModel", e.Message);
        Assert.Contains(KMeansModel.ModelType, e.Message);
        Assert.Contains(GaussianMixtureModel.ModelType, ModelFile.KnownModelTypes);
    }

    [Fact]
    public void NewerFormatVersionIsRejected()
    {
        using var ms = new MemoryStream();
        using (var w = new ModelWriter(ms, KMeansModel.ModelType, 99)) w.Set("x", 1);
        ms.Position = 0;
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Load(ms));
        Assert.Contains("99", e.Message);
    }

    [Fact]
    public void TypedLoadFromAPathChecksTheType()
    {
        var path = Path.Combine(Path.GetTempPath(), $"km-{Guid.NewGuid():N}.dcm");
        try
        {
            File.WriteAllBytes(path, SavedKMeans());
            using var km = ModelFile.Load<KMeansModel>(path);
            Assert.Equal(2, km.Clusters);
            Assert.Throws<ModelFormatException>(() => ModelFile.Load<GaussianMixtureModel>(path));
        }
        finally { File.Delete(path); }
    }
}
