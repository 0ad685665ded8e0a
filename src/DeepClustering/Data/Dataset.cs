using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Data;

/// <summary>Shape of an image dataset whose rows are flattened images (channels x height x width).</summary>
public sealed record ImageShape(int Channels, int Height, int Width)
{
    /// <summary>Number of values in one image.</summary>
    public int Size => Channels * Height * Width;
}

/// <summary>
/// An in-memory table of float features (N rows x D columns, row-major), with optional integer labels and an
/// optional image shape. A dataset is immutable: it copies what it is given and hands out read-only views.
/// </summary>
public sealed class Dataset
{
    private readonly float[] _values;
    private readonly int[]? _labels;
    private readonly System.Collections.ObjectModel.ReadOnlyCollection<int>? _labelsView;

    /// <summary>Number of rows (samples).</summary>
    public int Rows { get; }

    /// <summary>Number of columns (features).</summary>
    public int Columns { get; }

    /// <summary>A short name for reports (file name or embedded dataset name).</summary>
    public string Name { get; }

    /// <summary>Image shape when rows are flattened images; null for tabular data.</summary>
    public ImageShape? Image { get; }

    /// <summary>Row-major feature values.</summary>
    public ReadOnlyMemory<float> Values => _values;

    /// <summary>Ground-truth labels (arbitrary integers), or null.</summary>
    public IReadOnlyList<int>? Labels => _labelsView; // a read-only wrapper: the array cannot be cast back and changed

    /// <summary>Whether the dataset carries labels.</summary>
    public bool HasLabels => _labels is not null;

    private Dataset(float[] values, int rows, int columns, int[]? labels, string name, ImageShape? image)
    {
        _values = values; Rows = rows; Columns = columns; _labels = labels; Name = name; Image = image;
        _labelsView = labels is null ? null : new System.Collections.ObjectModel.ReadOnlyCollection<int>(labels);
    }

    /// <summary>Wraps row-major values; the arrays are copied. Values must be finite.</summary>
    /// <param name="values">Row-major values, length rows x columns.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="columns">Number of columns.</param>
    /// <param name="labels">Optional labels, one per row.</param>
    /// <param name="name">Optional name.</param>
    /// <param name="image">Optional image shape (its size must equal <paramref name="columns"/>).</param>
    public static Dataset FromValues(ReadOnlySpan<float> values, int rows, int columns, IReadOnlyList<int>? labels = null,
        string? name = null, ImageShape? image = null)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be ≥ 0.");
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, "columns must be ≥ 1.");
        if ((long)rows * columns != values.Length)
            throw new ArgumentException($"values has {values.Length} elements but rows x columns = {(long)rows * columns}.", nameof(values));
        if (labels is not null && labels.Count != rows)
            throw new ArgumentException($"labels has {labels.Count} entries but the data have {rows} rows.", nameof(labels));
        if (image is not null && image.Size != columns)
            throw new ArgumentException($"image shape {image.Channels}x{image.Height}x{image.Width} has {image.Size} values but rows have {columns}.", nameof(image));
        int bad = FirstNonFinite(values);
        if (bad >= 0)
            throw new ArgumentException($"values contains {values[bad]} at row {bad / columns}, column {bad % columns}; remove or impute non-finite values first.", nameof(values));
        return new Dataset(values.ToArray(), rows, columns, labels?.ToArray(), name ?? "data", image);
    }

    /// <summary>Wraps a 2-D array (copied).</summary>
    public static Dataset FromArray(float[,] values, IReadOnlyList<int>? labels = null, string? name = null, ImageShape? image = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = values.GetLength(0), d = values.GetLength(1);
        var flat = new float[n * d];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(float));
        return FromValues(flat, n, d, labels, name, image);
    }

    /// <summary>Wraps a 2-D array of doubles (converted to float32).</summary>
    public static Dataset FromArray(double[,] values, IReadOnlyList<int>? labels = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = values.GetLength(0), d = values.GetLength(1);
        var flat = new float[n * d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) flat[i * d + j] = (float)values[i, j];
        return FromValues(flat, n, d, labels, name);
    }

    /// <summary>Wraps jagged rows (copied); every row must have the same length.</summary>
    public static Dataset FromRows(IReadOnlyList<float[]> rows, IReadOnlyList<int>? labels = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new ArgumentException("rows is empty.", nameof(rows));
        int d = rows[0]?.Length ?? throw new ArgumentException("rows[0] is null.", nameof(rows));
        var flat = new float[rows.Count * d];
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i] ?? throw new ArgumentException($"rows[{i}] is null.", nameof(rows));
            if (r.Length != d) throw new ArgumentException($"rows[{i}] has {r.Length} values but rows[0] has {d}.", nameof(rows));
            r.CopyTo(flat, i * d);
        }
        return FromValues(flat, rows.Count, d, labels, name);
    }

    /// <summary>Copies a 2-D tensor (any float dtype, any device) into a dataset.</summary>
    public static Dataset FromTensor(Tensor values, IReadOnlyList<int>? labels = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.dim() != 2) throw new ArgumentException($"values must be a 2-D tensor (rows x columns); got {values.dim()} dimensions.", nameof(values));
        using var scope = NewDisposeScope();
        var cpu = values.detach().to(ScalarType.Float32, CPU).contiguous();
        return FromValues(cpu.data<float>().ToArray(), (int)cpu.shape[0], (int)cpu.shape[1], labels, name);
    }

    /// <summary>One row as a read-only span.</summary>
    public ReadOnlySpan<float> Row(int index)
    {
        if ((uint)index >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(index));
        return new ReadOnlySpan<float>(_values, index * Columns, Columns);
    }

    /// <summary>Copies the features into a new N x D tensor on <paramref name="device"/>.</summary>
    public Tensor ToTensor(Device? device = null, ScalarType dtype = ScalarType.Float32)
        => ToTensor(0, Rows, device, dtype);

    /// <summary>Copies rows [<paramref name="start"/>, start+count) into a new tensor on <paramref name="device"/>.</summary>
    public Tensor ToTensor(int start, int count, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        if (start < 0 || count < 0 || start + count > Rows) throw new ArgumentOutOfRangeException(nameof(start), $"rows [{start}, {start + count}) are outside 0..{Rows}.");
        var t = torch.tensor(new ReadOnlySpan<float>(_values, start * Columns, count * Columns).ToArray(), new long[] { count, Columns });
        if (dtype == ScalarType.Float32 && (device is null || device.type == DeviceType.CPU)) return t;
        using (t) return t.to(dtype, device ?? CPU);
    }

    /// <summary>A new dataset with the given rows (labels and image shape carried along).</summary>
    public Dataset Select(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var flat = new float[indices.Count * Columns];
        int[]? labels = _labels is null ? null : new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int r = indices[i];
            if ((uint)r >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(indices), $"index {r} is outside 0..{Rows - 1}.");
            Array.Copy(_values, r * Columns, flat, i * Columns, Columns);
            if (labels is not null) labels[i] = _labels![r];
        }
        return new Dataset(flat, indices.Count, Columns, labels, Name, Image);
    }

    /// <summary>Rows [start, start+count) as a new dataset.</summary>
    public Dataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || (long)start + count > Rows)
            throw new ArgumentOutOfRangeException(nameof(start), $"rows [{start}, {(long)start + count}) are outside 0..{Rows}.");
        // One contiguous block: no per-row copying.
        var flat = new float[count * Columns];
        Array.Copy(_values, (long)start * Columns, flat, 0, flat.Length);
        int[]? labels = _labels is null ? null : _labels.AsSpan(start, count).ToArray();
        return new Dataset(flat, count, Columns, labels, Name, Image);
    }

    /// <summary>The same features with other labels (or none).</summary>
    public Dataset WithLabels(IReadOnlyList<int>? labels)
    {
        if (labels is not null && labels.Count != Rows)
            throw new ArgumentException($"labels has {labels.Count} entries but the data have {Rows} rows.", nameof(labels));
        return new Dataset(_values, Rows, Columns, labels?.ToArray(), Name, Image);
    }

    /// <summary>The same features and labels with another image shape (or none); the values are shared, not copied.</summary>
    /// <param name="image">Image shape whose size equals <see cref="Columns"/>, or null for tabular data.</param>
    public Dataset WithImage(ImageShape? image)
    {
        if (image is not null && image.Size != Columns)
            throw new ArgumentException($"image shape {image.Channels}x{image.Height}x{image.Width} has {image.Size} values but rows have {Columns}.", nameof(image));
        return new Dataset(_values, Rows, Columns, _labels, Name, image);
    }

    /// <summary>The same dataset under another name (values shared, not copied).</summary>
    public Dataset WithName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new Dataset(_values, Rows, Columns, _labels, name, Image);
    }

    /// <summary>
    /// This dataset as an <see cref="IRowChunkSource"/>, so that code written for data larger than memory (such as
    /// a streaming mixture fit) also accepts in-memory data. Each chunk is a copy of consecutive rows.
    /// </summary>
    public IRowChunkSource AsChunkSource() => new InMemoryChunkSource(this);

    /// <summary>Copy of the features as a 2-D array.</summary>
    public float[,] ToArray()
    {
        var a = new float[Rows, Columns];
        Buffer.BlockCopy(_values, 0, a, 0, _values.Length * sizeof(float));
        return a;
    }

    internal float[] RawValues => _values;

    /// <summary>
    /// Takes ownership of arrays built by the file readers without copying them. The caller has already checked
    /// the sizes and that every value is finite, and must not touch the arrays afterwards.
    /// </summary>
    internal static Dataset Wrap(float[] values, int rows, int columns, int[]? labels, string name, ImageShape? image)
    {
        System.Diagnostics.Debug.Assert((long)rows * columns == values.Length && columns >= 1);
        System.Diagnostics.Debug.Assert(labels is null || labels.Length == rows);
        System.Diagnostics.Debug.Assert(image is null || image.Size == columns);
        return new Dataset(values, rows, columns, labels, name, image);
    }

    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++) if (!float.IsFinite(values[i])) return i;
        return -1;
    }
}
