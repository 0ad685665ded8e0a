namespace DeepClustering.Data;

/// <summary>The file formats <see cref="DataLoader"/> reads.</summary>
public enum DataFileFormat
{
    /// <summary>NumPy .npy (versions 1–3).</summary>
    Npy,

    /// <summary>IDX (MNIST-style), big-endian.</summary>
    Idx,

    /// <summary>Delimited text: .csv, .tsv, .txt.</summary>
    Csv,
}

/// <summary>
/// One entry point for data files: <see cref="Load"/> recognises .npy and IDX files by their magic numbers and
/// reads anything else as delimited text, each possibly gzip-compressed (detected from the content, so
/// <c>train-images-idx3-ubyte.gz</c>, <c>x.npy.gz</c> and <c>table.csv.gz</c> all work), and attaches labels from
/// a second file in any of these formats.
/// </summary>
/// <remarks>
/// Errors: a missing file is a <see cref="FileNotFoundException"/> naming the path; every bad file (empty,
/// truncated, wrong magic, a header that disagrees with the data, NaN or infinite values, text that is not a
/// number, a label count that differs from the row count) is a <see cref="DataFormatException"/> whose
/// <see cref="DataFormatException.FileName"/> and message name the file and the problem. Values are returned
/// as stored (MNIST pixels stay 0–255); use <see cref="Scaler"/> to standardise or rescale them.
/// </remarks>
/// <example>
/// <code>
/// var mnist = DataLoader.Load("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"); // 60000 x 784
/// var iris = DataLoader.Load("iris.csv", csv: new CsvOptions { LabelColumnName = "species", CategoricalLabels = true });
/// var emb = DataLoader.Load("embedding.npy", "labels.npy");
/// </code>
/// </example>
public static class DataLoader
{
    /// <summary>Reads a data file, and optionally its labels from a second file.</summary>
    /// <param name="path">Features: .npy, IDX or delimited text, raw or gzip-compressed.</param>
    /// <param name="labelsPath">
    /// Optional labels, one per row: a 1-D .npy or IDX array, or a one-column CSV. Must not be combined with a
    /// CSV label column.
    /// </param>
    /// <param name="csv">Options for delimited text (ignored for binary formats); also used for a CSV labels file's delimiter, culture and <see cref="CsvOptions.CategoricalLabels"/>.</param>
    /// <returns>The dataset, named after the file.</returns>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="DataFormatException">A file is unreadable, or the label count differs from the row count.</exception>
    /// <exception cref="ArgumentException">The options contradict each other.</exception>
    public static Dataset Load(string path, string? labelsPath = null, CsvOptions? csv = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        csv?.Validate();
        if (labelsPath is not null && (csv?.LabelColumn is not null || csv?.LabelColumnName is not null))
            throw new ArgumentException("labelsPath is given and the CSV options also name a label column; use one source of labels.", nameof(labelsPath));
        if (labelsPath is not null) RequireFile(labelsPath); // fail before reading a large data file

        Dataset data;
        using (var stream = DataStream.OpenFile(path))
        {
            string name = Path.GetFileName(path);
            data = Detect(stream, path) switch
            {
                DataFileFormat.Npy => NpyReader.Read(stream, name),
                DataFileFormat.Idx => IdxReader.Read(stream, name),
                _ => CsvLoader.Load(stream, name, csv ?? new CsvOptions()),
            };
        }
        if (labelsPath is null) return data;
        var labels = LoadLabels(labelsPath, LabelFileOptions(csv));
        if (labels.Length != data.Rows)
            throw new DataFormatException(labelsPath,
                $"it holds {labels.Length:N0} labels but the data file '{path}' has {data.Rows:N0} rows; the two files do not belong together.");
        return data.WithLabels(labels);
    }

    /// <summary>Reads a file of labels: a 1-D .npy or IDX array of whole numbers, or a one-column CSV.</summary>
    /// <param name="path">The labels file, raw or gzip-compressed.</param>
    /// <param name="csv">Options for a CSV file (delimiter, culture, <see cref="CsvOptions.CategoricalLabels"/>, label column); null for the defaults.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not a readable label array.</exception>
    public static int[] LoadLabels(string path, CsvOptions? csv = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        csv?.Validate();
        using var stream = DataStream.OpenFile(path);
        return Detect(stream, path) switch
        {
            DataFileFormat.Npy => NpyReader.ReadLabels(stream),
            DataFileFormat.Idx => IdxReader.ReadLabels(stream),
            _ => CsvLoader.LoadLabels(stream, csv ?? new CsvOptions()),
        };
    }

    /// <summary>
    /// Opens a data file as an <see cref="IRowChunkSource"/> for streaming fits: a .npy file is read from disk on
    /// every pass (<see cref="NpyChunkSource"/>, for data larger than memory); other formats are loaded into
    /// memory once and served in chunks.
    /// </summary>
    /// <param name="path">Features file.</param>
    /// <param name="labelsPath">Optional labels file (kept in memory).</param>
    /// <param name="csv">Options for delimited text.</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="DataFormatException">A file is unreadable or the label count differs from the row count.</exception>
    public static IRowChunkSource OpenChunks(string path, string? labelsPath = null, CsvOptions? csv = null)
    {
        if (DetectFormat(path) != DataFileFormat.Npy) return Load(path, labelsPath, csv).AsChunkSource();
        if (labelsPath is null) return new NpyChunkSource(path);
        long rows = new NpyChunkSource(path).Rows; // checks the data file before the labels
        var labels = LoadLabels(labelsPath, LabelFileOptions(csv));
        if (labels.Length != rows)
            throw new DataFormatException(labelsPath,
                $"it holds {labels.Length:N0} labels but the data file '{path}' has {rows:N0} rows; the two files do not belong together.");
        return new NpyChunkSource(path, labels);
    }

    /// <summary>Tells which reader <see cref="Load"/> would use for <paramref name="path"/> (from its content, then its name).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is empty, or is a zip archive.</exception>
    public static DataFileFormat DetectFormat(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = DataStream.OpenFile(path);
        return Detect(stream, path);
    }

    internal static DataFileFormat Detect(DataStream stream, string path)
    {
        if (stream.IsEmpty) throw new DataFormatException(stream.Source, "the file is empty.");
        var head = stream.Head;
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".gz", StringComparison.Ordinal)) name = name[..^3];
        if (NpyHeader.HasMagic(head) || name.EndsWith(".npy", StringComparison.Ordinal)) return DataFileFormat.Npy;
        if (head.Length >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
            throw new DataFormatException(stream.Source,
                "the file is a zip archive (an .npz?), which is not supported; save each array with np.save, or extract one: np.save('x.npy', np.load(path)['x']).");
        if (IdxReader.HasMagic(head) || LooksLikeIdxName(name) || (head.Length >= 2 && head[0] == 0 && head[1] == 0))
            return DataFileFormat.Idx;
        return DataFileFormat.Csv;
    }

    // The data file's header and image settings say nothing about a separate labels file.
    private static CsvOptions? LabelFileOptions(CsvOptions? csv) => csv is null ? null : csv with { HasHeader = null, Image = null };

    private static bool LooksLikeIdxName(string name) =>
        name.EndsWith("-ubyte", StringComparison.Ordinal) || name.EndsWith(".idx", StringComparison.Ordinal)
        || name.Contains("-idx", StringComparison.Ordinal) || name.Contains(".idx", StringComparison.Ordinal);

    private static void RequireFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Labels file '{path}' does not exist (working directory: '{Environment.CurrentDirectory}').", path);
    }
}
