using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace DeepClustering.Tests.Data;

/// <summary>A temporary directory deleted after the test.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>The directory.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dc-data-" + Guid.NewGuid().ToString("N"));

    /// <summary>Creates it.</summary>
    public TempDirectory() => Directory.CreateDirectory(Path);

    /// <summary>A path inside the directory.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes bytes to a file in the directory and returns its path.</summary>
    public string Write(string name, byte[] bytes)
    {
        var p = File(name);
        System.IO.File.WriteAllBytes(p, bytes);
        return p;
    }

    /// <summary>Writes text (UTF-8, no BOM) to a file in the directory and returns its path.</summary>
    public string WriteText(string name, string text) => Write(name, new UTF8Encoding(false).GetBytes(text));

    /// <summary>Deletes the directory.</summary>
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Builders of small binary data files, written byte by byte from the format specifications.</summary>
public static class DataFiles
{
    /// <summary>An IDX file: magic 00 00 type ndims, big-endian int32 sizes, big-endian values.</summary>
    public static byte[] Idx(byte type, int[] shape, double[] values)
    {
        var ms = new MemoryStream();
        ms.Write([0, 0, type, (byte)shape.Length]);
        Span<byte> b = stackalloc byte[8];
        foreach (var s in shape) { BinaryPrimitives.WriteInt32BigEndian(b, s); ms.Write(b[..4]); }
        foreach (var v in values)
        {
            switch (type)
            {
                case 0x08: ms.WriteByte((byte)v); break;
                case 0x09: ms.WriteByte((byte)(sbyte)v); break;
                case 0x0B: BinaryPrimitives.WriteInt16BigEndian(b, (short)v); ms.Write(b[..2]); break;
                case 0x0C: BinaryPrimitives.WriteInt32BigEndian(b, (int)v); ms.Write(b[..4]); break;
                case 0x0D: BinaryPrimitives.WriteSingleBigEndian(b, (float)v); ms.Write(b[..4]); break;
                case 0x0E: BinaryPrimitives.WriteDoubleBigEndian(b, v); ms.Write(b[..8]); break;
                default: throw new ArgumentOutOfRangeException(nameof(type));
            }
        }
        return ms.ToArray();
    }

    /// <summary>A .npy file with a hand-written header dict (padded to 64 bytes like numpy) and raw data.</summary>
    public static byte[] Npy(string headerDict, byte[] data, int major = 1)
    {
        int prefix = major == 1 ? 10 : 12;
        int total = prefix + headerDict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        var header = headerDict + new string(' ', padded - total) + "\n";
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0]);
        Span<byte> b = stackalloc byte[4];
        if (major == 1) { BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)header.Length); ms.Write(b[..2]); }
        else { BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)header.Length); ms.Write(b); }
        ms.Write(Encoding.Latin1.GetBytes(header));
        ms.Write(data);
        return ms.ToArray();
    }

    /// <summary>A .npy file for a numpy dtype string, a shape and values encoded little-endian.</summary>
    public static byte[] Npy(string dtype, long[] shape, double[] values, int major = 1)
    {
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string dict = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': ({dims}), }}";
        return Npy(dict, Encode(dtype, values), major);
    }

    /// <summary>Little-endian encoding of values as a numpy dtype.</summary>
    public static byte[] Encode(string dtype, double[] values)
    {
        var ms = new MemoryStream();
        Span<byte> b = stackalloc byte[8];
        foreach (var v in values)
        {
            switch (dtype[1..])
            {
                case "f4": BinaryPrimitives.WriteSingleLittleEndian(b, (float)v); ms.Write(b[..4]); break;
                case "f8": BinaryPrimitives.WriteDoubleLittleEndian(b, v); ms.Write(b[..8]); break;
                case "f2": BinaryPrimitives.WriteHalfLittleEndian(b, (Half)v); ms.Write(b[..2]); break;
                case "i1": ms.WriteByte((byte)(sbyte)v); break;
                case "u1": ms.WriteByte((byte)v); break;
                case "b1": ms.WriteByte(v != 0 ? (byte)1 : (byte)0); break;
                case "i2": BinaryPrimitives.WriteInt16LittleEndian(b, (short)v); ms.Write(b[..2]); break;
                case "u2": BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); ms.Write(b[..2]); break;
                case "i4": BinaryPrimitives.WriteInt32LittleEndian(b, (int)v); ms.Write(b[..4]); break;
                case "u4": BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)v); ms.Write(b[..4]); break;
                case "i8": BinaryPrimitives.WriteInt64LittleEndian(b, (long)v); ms.Write(b[..8]); break;
                case "u8": BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)v); ms.Write(b[..8]); break;
                default: throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null);
            }
        }
        return ms.ToArray();
    }

    /// <summary>gzip-compresses bytes.</summary>
    public static byte[] Gzip(byte[] bytes)
    {
        var ms = new MemoryStream();
        using (var z = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) z.Write(bytes);
        return ms.ToArray();
    }

    /// <summary>Values 0, 1, 2, ... times a factor.</summary>
    public static double[] Ramp(int count, double factor = 1, double offset = 0) =>
        Enumerable.Range(0, count).Select(i => i * factor + offset).ToArray();

    /// <summary>Runs <paramref name="action"/> and returns the DataFormatException it throws, checking it names the file.</summary>
    public static DataFormatException Rejects(string path, Action action, params string[] messageParts)
    {
        var e = Assert.Throws<DataFormatException>(action);
        Assert.Contains(System.IO.Path.GetFileName(path), e.Message);
        foreach (var part in messageParts) Assert.Contains(part, e.Message, StringComparison.OrdinalIgnoreCase);
        return e;
    }
}
