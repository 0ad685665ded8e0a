using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace DeepClustering.Data;

/// <summary>
/// Writes NumPy <c>.npy</c> files (format 1.0, little-endian, C order), so that features, embeddings,
/// responsibilities and labels can be read in Python with <c>np.load</c>.
/// </summary>
public static class NpyWriter
{
    /// <summary>Writes float32 values of the given shape.</summary>
    /// <param name="path">Destination file (overwritten).</param>
    /// <param name="values">Values in C order; their count must equal the product of <paramref name="shape"/>.</param>
    /// <param name="shape">Array shape, e.g. { rows, columns }.</param>
    public static void Write(string path, ReadOnlySpan<float> values, params long[] shape)
    {
        using var file = File.Create(path);
        Write(file, values, shape);
    }

    /// <summary>Writes float32 values of the given shape to a stream (left open).</summary>
    public static void Write(Stream destination, ReadOnlySpan<float> values, params long[] shape)
    {
        WriteHeader(destination, "<f4", values.Length, shape);
        WriteLittleEndian(destination, MemoryMarshal.AsBytes(values));
    }

    /// <summary>Writes int32 values (labels, cluster assignments) of the given shape; 1-D when no shape is given.</summary>
    /// <param name="path">Destination file (overwritten).</param>
    /// <param name="values">Values in C order.</param>
    /// <param name="shape">Array shape; empty for a 1-D array of all values.</param>
    public static void Write(string path, ReadOnlySpan<int> values, params long[] shape)
    {
        using var file = File.Create(path);
        Write(file, values, shape);
    }

    /// <summary>Writes int32 values of the given shape to a stream (left open); 1-D when no shape is given.</summary>
    public static void Write(Stream destination, ReadOnlySpan<int> values, params long[] shape)
    {
        WriteHeader(destination, "<i4", values.Length, shape.Length == 0 ? [values.Length] : shape);
        WriteLittleEndian(destination, MemoryMarshal.AsBytes(values));
    }

    /// <summary>Writes a 2-D float32 array.</summary>
    public static void Write(string path, float[,] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var flat = MemoryMarshal.CreateReadOnlySpan(ref System.Runtime.CompilerServices.Unsafe.As<byte, float>(ref MemoryMarshal.GetArrayDataReference(values)), values.Length);
        Write(path, flat, values.GetLength(0), values.GetLength(1));
    }

    /// <summary>Writes the features of a dataset (rows x columns, or rows x channels x height x width for images).</summary>
    public static void Write(string path, Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        long[] shape = dataset.Image is { } im && im.Channels == 1 ? [dataset.Rows, im.Height, im.Width]
            : dataset.Image is { } im4 ? [dataset.Rows, im4.Channels, im4.Height, im4.Width]
            : [dataset.Rows, dataset.Columns];
        Write(path, dataset.Values.Span, shape);
    }

    private static void WriteHeader(Stream destination, string dtype, int count, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0) throw new ArgumentException("shape must have at least one dimension.", nameof(shape));
        long product = 1;
        foreach (var s in shape)
        {
            if (s < 0) throw new ArgumentOutOfRangeException(nameof(shape), "shape sizes must be ≥ 0.");
            product *= s;
        }
        if (product != count)
            throw new ArgumentException($"shape ({string.Join(", ", shape)}) holds {product} values but {count} were given.", nameof(shape));
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture)));
        string dict = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': ({dims}), }}";
        // Pad so that the data start at a multiple of 64 bytes, as numpy does; the header ends with '\n'.
        int total = 10 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        var header = dict + new string(' ', padded - total) + "\n";
        Span<byte> prefix = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 0, 0];
        BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], (ushort)header.Length);
        destination.Write(prefix);
        destination.Write(Encoding.ASCII.GetBytes(header));
    }

    private static void WriteLittleEndian(Stream destination, ReadOnlySpan<byte> bytes)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException(".npy writing needs a little-endian machine.");
        destination.Write(bytes);
    }
}
