namespace DeepClustering.Data;

/// <summary>
/// Reads NumPy <c>.npy</c> files (format versions 1, 2 and 3), as written by <c>np.save</c>.
/// </summary>
/// <remarks>
/// <para>Supported dtypes (little-endian, C order): <c>&lt;f4</c>, <c>&lt;f8</c>, <c>&lt;f2</c>, <c>&lt;i8</c>,
/// <c>&lt;i4</c>, <c>&lt;i2</c>, <c>|i1</c>, <c>&lt;u8</c>, <c>&lt;u4</c>, <c>&lt;u2</c>, <c>|u1</c> and <c>|b1</c>;
/// values become float32. Object arrays, structured dtypes, big-endian data and Fortran order are rejected
/// with a <see cref="DataFormatException"/> that says how to re-save the array. gzip-compressed files
/// (<c>.npy.gz</c>) are read too.</para>
/// <para>Shapes: 1-D → one column (or labels with <see cref="ReadLabels(string)"/>); 2-D → rows x columns;
/// N-D → the first axis counts rows and the rest is flattened, with an <see cref="ImageShape"/> for 3-D
/// (n, h, w) and plausible 4-D image arrays (n, c, h, w) or (n, h, w, c) with c ≤ 4 (channels-last rows are
/// transposed to channels-first). For files larger than memory use <see cref="NpyChunkSource"/>.</para>
/// </remarks>
public static class NpyReader
{
    /// <summary>Reads a .npy file of features (no labels).</summary>
    /// <param name="path">The file, raw or gzip-compressed.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not a readable .npy array.</exception>
    public static Dataset Read(string path)
    {
        using var stream = DataStream.OpenFile(path);
        return Read(stream, Path.GetFileName(path));
    }

    /// <summary>Reads .npy features from a stream (read from its current position; left open).</summary>
    /// <param name="stream">The content, raw or gzip-compressed.</param>
    /// <param name="sourceName">Name used in error messages and as the dataset name.</param>
    /// <exception cref="DataFormatException">The content is not a readable .npy array.</exception>
    public static Dataset Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        using var data = DataStream.Create(stream, sourceName, leaveOpen: true);
        return Read(data, sourceName);
    }

    /// <summary>Reads a .npy file of labels: a 1-D (or n x 1) array of whole numbers, any supported dtype.</summary>
    /// <param name="path">The file, raw or gzip-compressed.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not a readable label array.</exception>
    public static int[] ReadLabels(string path)
    {
        using var stream = DataStream.OpenFile(path);
        return ReadLabels(stream);
    }

    /// <summary>Reads .npy labels from a stream (read from its current position; left open).</summary>
    /// <param name="stream">The content, raw or gzip-compressed.</param>
    /// <param name="sourceName">Name used in error messages.</param>
    /// <exception cref="DataFormatException">The content is not a readable label array.</exception>
    public static int[] ReadLabels(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        using var data = DataStream.Create(stream, sourceName, leaveOpen: true);
        return ReadLabels(data);
    }

    /// <summary>Reads only the header of a .npy file (dtype, order, shape), e.g. to size a computation.</summary>
    /// <param name="path">The file, raw or gzip-compressed.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The header is not valid.</exception>
    public static NpyHeader ReadHeader(string path)
    {
        using var stream = DataStream.OpenFile(path);
        return NpyHeader.Read(stream);
    }

    internal static Dataset Read(DataStream stream, string name)
    {
        var header = NpyHeader.Read(stream);
        var layout = ArrayLayout.FromShape(stream.Source, header.Shape, wholeInMemory: true);
        string what = Describe(layout, header);
        var values = BinaryElements.ReadArray(stream, layout.Rows * layout.Columns, header.Kind, BinaryElements.ToFloat(header.Kind, bigEndian: false), what);
        stream.ExpectEnd(what);
        layout.FinishRows(stream.Source, values, 0);
        return Dataset.Wrap(values, (int)layout.Rows, layout.Columns, null, name, layout.Image);
    }

    internal static int[] ReadLabels(DataStream stream)
    {
        var header = NpyHeader.Read(stream);
        var shape = header.Shape;
        if (shape.Count > 2 || (shape.Count == 2 && shape[1] != 1))
            throw new DataFormatException(stream.Source,
                $"a label file must hold a 1-D array, but this .npy file has shape ({string.Join(", ", shape)}); it looks like a file of features.");
        var layout = ArrayLayout.FromShape(stream.Source, shape, wholeInMemory: true);
        string what = Describe(layout, header) + " labels";
        var labels = BinaryElements.ReadArray(stream, layout.Rows, header.Kind, BinaryElements.ToLabel(header.Kind, false, stream.Source), what);
        stream.ExpectEnd(what);
        return labels;
    }

    internal static string Describe(ArrayLayout layout, NpyHeader header) => $"{layout.ShapeText} {header.DType}";
}
