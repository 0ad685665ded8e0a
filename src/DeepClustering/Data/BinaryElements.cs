using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace DeepClustering.Data;

/// <summary>Element types of the binary formats (IDX, .npy).</summary>
internal enum ElementKind { UInt8, Int8, Bool, Int16, UInt16, Int32, UInt32, Int64, UInt64, Float16, Float32, Float64 }

/// <summary>Converts a block of encoded elements into <typeparamref name="T"/> values.</summary>
/// <param name="source">Encoded bytes, a whole number of elements.</param>
/// <param name="destination">Receives one value per element.</param>
/// <param name="firstIndex">Index of the first element in the whole array (for error messages).</param>
internal delegate void SpanConverter<T>(ReadOnlySpan<byte> source, Span<T> destination, long firstIndex);

/// <summary>Decoding of fixed-size binary elements, and the bounded reading loop shared by the binary readers.</summary>
internal static class BinaryElements
{
    private const int BlockBytes = 1 << 16;

    /// <summary>Bytes per element.</summary>
    public static int Size(ElementKind kind) => kind switch
    {
        ElementKind.UInt8 or ElementKind.Int8 or ElementKind.Bool => 1,
        ElementKind.Int16 or ElementKind.UInt16 or ElementKind.Float16 => 2,
        ElementKind.Int32 or ElementKind.UInt32 or ElementKind.Float32 => 4,
        _ => 8,
    };

    /// <summary>Short name for messages ("uint8", "float32").</summary>
    public static string Name(ElementKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Whether the type can hold NaN or infinities.</summary>
    public static bool IsFloating(ElementKind kind) => kind is ElementKind.Float16 or ElementKind.Float32 or ElementKind.Float64;

    /// <summary>A converter to float32 (integers convert exactly up to 2^24; float64 rounds).</summary>
    public static SpanConverter<float> ToFloat(ElementKind kind, bool bigEndian) => (src, dst, _) => DecodeFloat(src, dst, kind, bigEndian);

    /// <summary>
    /// A converter to integer labels: integer types must fit in int32, floating types must hold whole numbers.
    /// </summary>
    public static SpanConverter<int> ToLabel(ElementKind kind, bool bigEndian, string source) => (src, dst, first) =>
    {
        int size = Size(kind);
        for (int i = 0; i < dst.Length; i++)
        {
            var e = src.Slice(i * size, size);
            double v = DecodeOne(e, kind, bigEndian);
            if (!double.IsFinite(v) || v != Math.Floor(v) || v < int.MinValue || v > int.MaxValue)
                throw new DataFormatException(source,
                    $"label {first + i} (0-based) is {v.ToString(System.Globalization.CultureInfo.InvariantCulture)}, not an integer in the int32 range; labels must be whole numbers.");
            dst[i] = (int)v;
        }
    };

    private static void DecodeFloat(ReadOnlySpan<byte> src, Span<float> dst, ElementKind kind, bool bigEndian)
    {
        if (kind == ElementKind.Float32 && bigEndian == !BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(src).CopyTo(dst);
            return;
        }
        switch (kind)
        {
            case ElementKind.UInt8:
                for (int i = 0; i < dst.Length; i++) dst[i] = src[i];
                return;
            case ElementKind.Int8:
                for (int i = 0; i < dst.Length; i++) dst[i] = (sbyte)src[i];
                return;
            case ElementKind.Bool:
                for (int i = 0; i < dst.Length; i++) dst[i] = src[i] != 0 ? 1f : 0f;
                return;
            case ElementKind.Float32:
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = bigEndian ? BinaryPrimitives.ReadSingleBigEndian(src[(i * 4)..]) : BinaryPrimitives.ReadSingleLittleEndian(src[(i * 4)..]);
                return;
            default:
                int size = Size(kind);
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)DecodeOne(src.Slice(i * size, size), kind, bigEndian);
                return;
        }
    }

    private static double DecodeOne(ReadOnlySpan<byte> e, ElementKind kind, bool bigEndian) => kind switch
    {
        ElementKind.UInt8 => e[0],
        ElementKind.Int8 => (sbyte)e[0],
        ElementKind.Bool => e[0] != 0 ? 1 : 0,
        ElementKind.Int16 => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(e) : BinaryPrimitives.ReadInt16LittleEndian(e),
        ElementKind.UInt16 => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(e) : BinaryPrimitives.ReadUInt16LittleEndian(e),
        ElementKind.Int32 => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(e) : BinaryPrimitives.ReadInt32LittleEndian(e),
        ElementKind.UInt32 => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(e) : BinaryPrimitives.ReadUInt32LittleEndian(e),
        ElementKind.Int64 => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(e) : BinaryPrimitives.ReadInt64LittleEndian(e),
        ElementKind.UInt64 => bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(e) : BinaryPrimitives.ReadUInt64LittleEndian(e),
        ElementKind.Float16 => (double)(bigEndian ? BinaryPrimitives.ReadHalfBigEndian(e) : BinaryPrimitives.ReadHalfLittleEndian(e)),
        ElementKind.Float32 => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(e) : BinaryPrimitives.ReadSingleLittleEndian(e),
        ElementKind.Float64 => bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(e) : BinaryPrimitives.ReadDoubleLittleEndian(e),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// Reads <paramref name="count"/> declared elements into a new array. The declared size is first checked
    /// against what the stream can hold; when the length is not known exactly (gzip) the array starts small and
    /// grows only as data arrive, so a header that overstates the data cannot make it allocate more than about
    /// twice what the file really contains.
    /// </summary>
    public static T[] ReadArray<T>(DataStream stream, long count, ElementKind kind, SpanConverter<T> convert, string what)
    {
        int size = Size(kind);
        long bytes = count * size;
        stream.EnsureAvailable(bytes, what);
        var result = new T[stream.InitialCapacity(count, bytes)];
        long filled = 0;
        while (filled < count)
        {
            int n = (int)Math.Min(Math.Min(count - filled, int.MaxValue), 64L << 20);
            if (filled + n > result.Length)
                Array.Resize(ref result, (int)Math.Min(count, Math.Max(result.Length * 2L, filled + n)));
            ReadInto(stream, result.AsSpan((int)filled, n), filled, count, kind, convert, what);
            filled += n;
        }
        return result;
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with the next elements, reading through a small pooled buffer.
    /// </summary>
    public static void ReadInto<T>(DataStream stream, Span<T> destination, long firstIndex, long declared, ElementKind kind,
        SpanConverter<T> convert, string what)
    {
        int size = Size(kind);
        int perBlock = BlockBytes / size;
        var buffer = ArrayPool<byte>.Shared.Rent(BlockBytes);
        try
        {
            int done = 0;
            while (done < destination.Length)
            {
                int n = Math.Min(perBlock, destination.Length - done);
                int want = n * size;
                int got = stream.ReadAtLeast(buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
                if (got < want)
                    throw new DataFormatException(stream.Source,
                        $"the data end after {firstIndex + done + got / size:N0} of the {declared:N0} values the header declares ({what}): the file is truncated or its header is wrong.");
                convert(buffer.AsSpan(0, want), destination.Slice(done, n), firstIndex + done);
                done += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
