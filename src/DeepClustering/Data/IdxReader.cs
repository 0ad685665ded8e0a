using System.Buffers.Binary;

namespace DeepClustering.Data;

/// <summary>
/// Reads IDX files, the format of MNIST, Fashion-MNIST and EMNIST: a magic number <c>00 00 type ndims</c>, then
/// <c>ndims</c> big-endian int32 sizes, then the values in C order, big-endian. Element types: uint8 (0x08),
/// int8 (0x09), int16 (0x0B), int32 (0x0C), float32 (0x0D) and float64 (0x0E). gzip-compressed files are
/// recognised by their content (bytes 1F 8B), whatever they are called.
/// </summary>
/// <remarks>
/// A 3-D array (n, rows, columns) becomes n flattened images with <see cref="ImageShape"/>(1, rows, columns); a
/// 2-D array is n x d; a 1-D array is one column (or labels, with <see cref="ReadLabels(string)"/>). Values are
/// returned as stored: MNIST pixels stay 0–255 (scale them with <see cref="Scaler"/> or divide by 255). The
/// declared sizes are checked against the file before anything is allocated, and every problem (wrong magic,
/// truncation, trailing bytes, NaN or infinite values, corrupt compression) is a <see cref="DataFormatException"/>
/// naming the file.
/// </remarks>
public static class IdxReader
{
    private const int MaxDimensions = 16;

    /// <summary>Reads an IDX file of features (no labels).</summary>
    /// <param name="path">The file, raw or gzip-compressed.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not a valid IDX file.</exception>
    public static Dataset Read(string path)
    {
        using var stream = DataStream.OpenFile(path);
        return Read(stream, Path.GetFileName(path));
    }

    /// <summary>Reads IDX features from a stream (read from its current position; left open).</summary>
    /// <param name="stream">The content, raw or gzip-compressed.</param>
    /// <param name="sourceName">Name used in error messages and as the dataset name.</param>
    /// <exception cref="DataFormatException">The content is not a valid IDX array.</exception>
    public static Dataset Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        using var data = DataStream.Create(stream, sourceName, leaveOpen: true);
        return Read(data, sourceName);
    }

    /// <summary>Reads an IDX file of labels: a 1-D array (or n x 1) of whole numbers.</summary>
    /// <param name="path">The file, raw or gzip-compressed.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not a valid IDX label file.</exception>
    public static int[] ReadLabels(string path)
    {
        using var stream = DataStream.OpenFile(path);
        return ReadLabels(stream);
    }

    /// <summary>Reads IDX labels from a stream (read from its current position; left open).</summary>
    /// <param name="stream">The content, raw or gzip-compressed.</param>
    /// <param name="sourceName">Name used in error messages.</param>
    /// <exception cref="DataFormatException">The content is not a valid IDX label array.</exception>
    public static int[] ReadLabels(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        using var data = DataStream.Create(stream, sourceName, leaveOpen: true);
        return ReadLabels(data);
    }

    internal static Dataset Read(DataStream stream, string name)
    {
        var (values, layout) = ReadValues(stream);
        return Dataset.Wrap(values, (int)layout.Rows, layout.Columns, null, name, layout.Image);
    }

    /// <summary>Reads the features as a raw array and its layout (rows already checked and transposed).</summary>
    internal static (float[] Values, ArrayLayout Layout) ReadValues(DataStream stream)
    {
        var (kind, shape) = ReadHeader(stream);
        var layout = ArrayLayout.FromShape(stream.Source, shape, wholeInMemory: true);
        string what = Describe(layout, kind);
        var values = BinaryElements.ReadArray(stream, layout.Rows * layout.Columns, kind, BinaryElements.ToFloat(kind, bigEndian: true), what);
        stream.ExpectEnd(what);
        layout.FinishRows(stream.Source, values, 0);
        return (values, layout);
    }

    internal static int[] ReadLabels(DataStream stream)
    {
        var (kind, shape) = ReadHeader(stream);
        if (shape.Length > 2 || (shape.Length == 2 && shape[1] != 1))
            throw new DataFormatException(stream.Source,
                $"a label file must hold a 1-D array, but this IDX file has shape ({string.Join(" x ", shape)}); it looks like a file of images or features.");
        var layout = ArrayLayout.FromShape(stream.Source, shape, wholeInMemory: true);
        string what = Describe(layout, kind) + " labels";
        var labels = BinaryElements.ReadArray(stream, layout.Rows, kind, BinaryElements.ToLabel(kind, true, stream.Source), what);
        stream.ExpectEnd(what);
        return labels;
    }

    /// <summary>Whether the first bytes look like an IDX magic number (00 00, a known type, 1..16 dimensions).</summary>
    internal static bool HasMagic(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && head[0] == 0 && head[1] == 0 && TypeOf(head[2]) is not null && head[3] is >= 1 and <= MaxDimensions;

    private static (ElementKind Kind, long[] Shape) ReadHeader(DataStream stream)
    {
        if (stream.IsEmpty) throw new DataFormatException(stream.Source, "the file is empty.");
        Span<byte> magic = stackalloc byte[4];
        stream.ReadExactly(magic, "4-byte IDX magic number");
        if (magic[0] != 0 || magic[1] != 0)
            throw new DataFormatException(stream.Source,
                $"not an IDX file: it starts with {Hex(magic)} but IDX files start with 00 00 (then the element type and the number of dimensions).");
        var kind = TypeOf(magic[2]) ?? throw new DataFormatException(stream.Source,
            $"not a supported IDX file: element type 0x{magic[2]:X2} is unknown (expected 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32 or 0x0E float64).");
        int dims = magic[3];
        if (dims is < 1 or > MaxDimensions)
            throw new DataFormatException(stream.Source, $"the IDX header declares {dims} dimensions; expected 1 to {MaxDimensions}.");
        Span<byte> sizes = stackalloc byte[4 * MaxDimensions];
        sizes = sizes[..(4 * dims)];
        stream.ReadExactly(sizes, $"IDX header ({dims} dimension sizes)");
        var shape = new long[dims];
        for (int i = 0; i < dims; i++)
        {
            int s = BinaryPrimitives.ReadInt32BigEndian(sizes[(4 * i)..]);
            if (s < 0) throw new DataFormatException(stream.Source, $"the IDX header declares size {s} for dimension {i}; sizes must be ≥ 0.");
            shape[i] = s;
        }
        return (kind, shape);
    }

    private static ElementKind? TypeOf(byte code) => code switch
    {
        0x08 => ElementKind.UInt8,
        0x09 => ElementKind.Int8,
        0x0B => ElementKind.Int16,
        0x0C => ElementKind.Int32,
        0x0D => ElementKind.Float32,
        0x0E => ElementKind.Float64,
        _ => null,
    };

    private static string Describe(ArrayLayout layout, ElementKind kind) => $"{layout.ShapeText} {BinaryElements.Name(kind)}";

    private static string Hex(ReadOnlySpan<byte> bytes) => string.Join(" ", bytes.ToArray().Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
}
