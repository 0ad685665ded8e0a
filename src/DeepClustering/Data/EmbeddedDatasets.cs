using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace DeepClustering.Data;

/// <summary>
/// Small benchmark datasets compiled into the library, so examples and tests run with no download:
/// <list type="table">
/// <item><term>mnist-test</term><description>MNIST test set, 10,000 x 784, pixels scaled to [0, 1], ImageShape(1, 28, 28), 10 classes.</description></item>
/// <item><term>usps</term><description>USPS digits, the 7,291 training then the 2,007 test images = 9,298 x 256 in [0, 1], ImageShape(1, 16, 16), 10 classes.</description></item>
/// <item><term>digits</term><description>UCI optical digits (scikit-learn <c>load_digits</c>), 1,797 x 64, raw values 0–16, ImageShape(1, 8, 8), 10 classes.</description></item>
/// <item><term>iris</term><description>Fisher's iris, 150 x 4, 3 classes.</description></item>
/// <item><term>wine</term><description>UCI wine recognition, 178 x 13, 3 classes.</description></item>
/// <item><term>breast-cancer</term><description>UCI breast cancer Wisconsin (diagnostic), 569 x 30, 2 classes.</description></item>
/// </list>
/// Every dataset carries its ground-truth labels. Provenance and licences: <c>data/README.md</c> in the repository.
/// </summary>
public static class EmbeddedDatasets
{
    private const string ResourcePrefix = "DeepClustering.Data.Embedded.";

    private static readonly ConcurrentDictionary<string, Lazy<Dataset>> Cache = new(StringComparer.Ordinal);

    /// <summary>The names <see cref="Load"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mnist-test", "usps", "digits", "iris", "wine", "breast-cancer"];

    /// <summary>
    /// Loads an embedded dataset by name (case-insensitive). The parsed dataset is cached; datasets are
    /// immutable, so sharing it is safe.
    /// </summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public static Dataset Load(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToLowerInvariant();
        if (!Names.Contains(key))
            throw new ArgumentException($"there is no embedded dataset named '{name}'; valid names: {string.Join(", ", Names)}.", nameof(name));
        var lazy = Cache.GetOrAdd(key, k => new Lazy<Dataset>(() => Parse(k), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            Cache.TryRemove(key, out _); // do not cache a failure
            throw;
        }
    }

    private static Dataset Parse(string name) => name switch
    {
        "mnist-test" => Images(name, [("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")], scale: 1f / 255f),
        "usps" => Images(name, [("usps-train-images-idx3-float32.gz", "usps-train-labels-idx1-ubyte.gz"),
                                ("usps-test-images-idx3-float32.gz", "usps-test-labels-idx1-ubyte.gz")], scale: 1f),
        "digits" => Digits(),
        "iris" => CountedCsv(name, "iris.csv"),
        "wine" => CountedCsv(name, "wine_data.csv"),
        "breast-cancer" => CountedCsv(name, "breast_cancer.csv"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>Concatenates IDX image/label pairs and multiplies the pixels by <paramref name="scale"/>.</summary>
    private static Dataset Images(string name, (string Images, string Labels)[] parts, float scale)
    {
        var values = new List<float[]>();
        var labels = new List<int>();
        ImageShape? image = null;
        int rows = 0, columns = 0;
        foreach (var (imagesFile, labelsFile) in parts)
        {
            float[] v;
            ArrayLayout layout;
            using (var s = Open(imagesFile)) (v, layout) = IdxReader.ReadValues(s);
            int[] l;
            using (var s = Open(labelsFile)) l = IdxReader.ReadLabels(s);
            if (l.Length != layout.Rows || (image is not null && layout.Image != image))
                throw new InvalidOperationException($"embedded dataset '{name}' is inconsistent ({imagesFile}, {labelsFile}); the assembly is damaged.");
            image = layout.Image;
            columns = layout.Columns;
            rows += (int)layout.Rows;
            values.Add(v);
            labels.AddRange(l);
        }
        var all = new float[(long)rows * columns];
        int offset = 0;
        foreach (var v in values)
        {
            for (int i = 0; i < v.Length; i++) all[offset + i] = v[i] * scale;
            offset += v.Length;
        }
        return Dataset.Wrap(all, rows, columns, labels.ToArray(), name, image);
    }

    private static Dataset Digits()
    {
        using var s = Open("digits.csv.gz");
        return CsvLoader.Load(s, "digits", new CsvOptions { HasHeader = false, LabelColumn = -1, Image = new ImageShape(1, 8, 8) });
    }

    /// <summary>The scikit-learn CSV layout: a first line "N,D,class names...", then N rows of D features and a label.</summary>
    private static Dataset CountedCsv(string name, string file)
    {
        byte[] bytes;
        using (var s = Open(file))
        using (var ms = new MemoryStream())
        {
            s.CopyTo(ms);
            bytes = ms.ToArray();
        }
        int newline = Array.IndexOf(bytes, (byte)'\n');
        var first = Encoding.UTF8.GetString(bytes, 0, Math.Max(newline, 0)).Split(',');
        if (newline < 0 || first.Length < 2
            || !int.TryParse(first[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)
            || !int.TryParse(first[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int d))
            throw new InvalidOperationException($"embedded dataset '{name}' ({file}) lacks its 'N,D,classes' line; the assembly is damaged.");
        using var body = new MemoryStream(bytes, newline + 1, bytes.Length - newline - 1);
        var data = CsvLoader.Load(body, name, new CsvOptions { HasHeader = false, LabelColumn = -1 });
        if (data.Rows != n || data.Columns != d)
            throw new InvalidOperationException($"embedded dataset '{name}' ({file}) has {data.Rows} x {data.Columns} values but declares {n} x {d}; the assembly is damaged.");
        return data;
    }

    private static DataStream Open(string file)
    {
        var stream = typeof(EmbeddedDatasets).Assembly.GetManifestResourceStream(ResourcePrefix + file)
            ?? throw new InvalidOperationException($"embedded resource '{ResourcePrefix + file}' is missing from {typeof(EmbeddedDatasets).Assembly.GetName().Name}; the assembly is damaged.");
        return DataStream.Create(stream, file, leaveOpen: false);
    }
}
