using DeepClustering.Data;
using static DeepClustering.Tests.Data.DataFiles;

namespace DeepClustering.Tests.Data;

public sealed class DataLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void DispatchesOnContentWhateverTheName()
    {
        var idx = _dir.Write("images.bin", Gzip(Idx(0x08, [2, 2, 2], Ramp(8))));
        var npy = _dir.Write("array.dat", Npy("<f4", [2, 4], Ramp(8)));
        var csv = _dir.WriteText("table.txt", "0,1,2,3\n4,5,6,7\n");
        var csvGz = _dir.Write("table.csv.gz", Gzip(System.Text.Encoding.UTF8.GetBytes("0,1,2,3\n4,5,6,7\n")));
        Assert.Equal(DataFileFormat.Idx, DataLoader.DetectFormat(idx));
        Assert.Equal(DataFileFormat.Npy, DataLoader.DetectFormat(npy));
        Assert.Equal(DataFileFormat.Csv, DataLoader.DetectFormat(csv));
        Assert.Equal(DataFileFormat.Csv, DataLoader.DetectFormat(csvGz));
        foreach (var p in new[] { idx, npy, csv, csvGz })
        {
            var d = DataLoader.Load(p);
            Assert.Equal(Ramp(8).Select(v => (float)v), d.Values.ToArray());
            Assert.Equal(2, d.Rows);
        }
        Assert.Equal(new ImageShape(1, 2, 2), DataLoader.Load(idx).Image);
    }

    [Fact]
    public void AttachesLabelsFromAnyFormat()
    {
        var data = _dir.Write("x.npy", Npy("<f4", [3, 2], Ramp(6)));
        var labelFiles = new[]
        {
            _dir.Write("y-idx1-ubyte.gz", Gzip(Idx(0x08, [3], [2, 0, 1]))),
            _dir.Write("y.npy", Npy("<i8", [3], [2, 0, 1])),
            _dir.WriteText("y.csv", "label\n2\n0\n1\n"),
        };
        foreach (var labels in labelFiles)
        {
            var d = DataLoader.Load(data, labels);
            Assert.Equal([2, 0, 1], d.Labels);
            Assert.Equal("x.npy", d.Name);
        }
        var csv = _dir.WriteText("features.csv", "a;b\n1;2\n3;4\n5;6\n");
        var text = _dir.WriteText("classes.csv", "c\na\nb\n");
        Assert.Equal([2, 0, 1], DataLoader.Load(csv, text, new CsvOptions { CategoricalLabels = true }).Labels);
        Assert.Equal([2, 0, 1], DataLoader.LoadLabels(labelFiles[0]));
    }

    [Fact]
    public void LabelCountMismatchNamesBothFiles()
    {
        var data = _dir.Write("x.npy", Npy("<f4", [3, 2], Ramp(6)));
        var labels = _dir.Write("y.npy", Npy("<i4", [4], [0, 1, 2, 3]));
        var e = Rejects(labels, () => DataLoader.Load(data, labels), "4 labels", "3 rows", "x.npy");
        Assert.Equal(labels, e.FileName);
        Rejects(labels, () => DataLoader.OpenChunks(data, labels), "4 labels", "x.npy");
    }

    [Fact]
    public void MissingFilesAreFileNotFoundNamingThePath()
    {
        var data = _dir.Write("x.npy", Npy("<f4", [3, 2], Ramp(6)));
        var missing = _dir.File("absent.npy");
        Assert.Equal(missing, Assert.Throws<FileNotFoundException>(() => DataLoader.Load(missing)).FileName);
        var e = Assert.Throws<FileNotFoundException>(() => DataLoader.Load(data, missing));
        Assert.Equal(missing, e.FileName);
        Assert.Contains("absent.npy", e.Message);
        Assert.Throws<FileNotFoundException>(() => DataLoader.Load(_dir.File("no-dir/x.csv")));
    }

    [Fact]
    public void LabelColumnAndLabelsFileTogetherIsAnArgumentError()
    {
        var data = _dir.WriteText("x.csv", "1,2\n3,4\n");
        var labels = _dir.WriteText("y.csv", "0\n1\n");
        Assert.Throws<ArgumentException>(() => DataLoader.Load(data, labels, new CsvOptions { LabelColumn = -1 }));
    }

    [Fact]
    public void BadFilesNameFileAndProblem()
    {
        var empty = _dir.Write("empty.npy", []);
        Rejects(empty, () => DataLoader.Load(empty), "empty");
        var wrongMagic = _dir.Write("wrong.npy", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        Rejects(wrongMagic, () => DataLoader.Load(wrongMagic), "magic");
        var wrongIdx = _dir.Write("t10k-images-idx3-ubyte", [9, 9, 8, 3, 0, 0, 0, 1]);
        Rejects(wrongIdx, () => DataLoader.Load(wrongIdx), "not an IDX file");
        var truncated = _dir.Write("trunc-idx3-ubyte.gz", Gzip(Idx(0x08, [5, 2, 2], Ramp(20))[..^1]));
        Rejects(truncated, () => DataLoader.Load(truncated), "truncated");
        var npz = _dir.Write("arrays.npz", [(byte)'P', (byte)'K', 3, 4, 0, 0, 0, 0]);
        Rejects(npz, () => DataLoader.Load(npz), "zip");
        var binary = _dir.Write("blob.bin", [7, 0, 1, 2]);
        Rejects(binary, () => DataLoader.Load(binary), "binary");
        var nan = _dir.WriteText("nan.csv", "1,2\nNaN,3\n");
        Rejects(nan, () => DataLoader.Load(nan), "line 2", "NaN");
    }

    [Fact]
    public void OpenChunksStreamsNpyAndWrapsOtherFormats()
    {
        var npy = _dir.Write("x.npy", Npy("<f4", [5, 2], Ramp(10)));
        var labels = _dir.Write("y.npy", Npy("<i4", [5], [0, 1, 0, 1, 0]));
        var s = DataLoader.OpenChunks(npy, labels);
        Assert.IsType<NpyChunkSource>(s);
        Assert.Equal([0, 1, 0, 1, 0], s.ReadChunks(2).SelectMany(c => c.Labels!));
        var csv = DataLoader.OpenChunks(_dir.WriteText("x.csv", "1,2\n3,4\n"));
        Assert.IsType<InMemoryChunkSource>(csv);
        Assert.Equal(2, csv.Rows);
    }
}
