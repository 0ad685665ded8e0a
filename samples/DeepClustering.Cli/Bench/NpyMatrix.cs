using System.Text;
using System.Text.RegularExpressions;

namespace DeepClustering.Cli.Bench;

/// <summary>Minimal reader of 2-D little-endian float32/float64 C-order .npy files, for the benchmarks.</summary>
public static partial class NpyMatrix
{
    /// <summary>Reads the header: element size (4 or 8), rows, columns and the offset of the data.</summary>
    public static (int ElementSize, long Rows, int Columns, long DataOffset) ReadHeader(string path)
    {
        using var f = File.OpenRead(path);
        var pre = new byte[10];
        f.ReadExactly(pre);
        if (pre[0] != 0x93 || Encoding.ASCII.GetString(pre, 1, 5) != "NUMPY") throw new InvalidDataException($"{path} is not a .npy file.");
        int major = pre[6];
        long headerLen;
        long offset;
        if (major == 1) { headerLen = BitConverter.ToUInt16(pre, 8); offset = 10; }
        else { var b = new byte[2]; f.ReadExactly(b); headerLen = BitConverter.ToUInt32(new[] { pre[8], pre[9], b[0], b[1] }); offset = 12; }
        f.Position = offset;
        var header = new byte[headerLen];
        f.ReadExactly(header);
        var h = Encoding.ASCII.GetString(header);
        var descr = Descr().Match(h).Groups[1].Value;
        if (h.Contains("'fortran_order': True", StringComparison.Ordinal)) throw new InvalidDataException($"{path}: Fortran order is not supported.");
        var shape = Shape().Match(h).Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        if (shape.Length != 2) throw new InvalidDataException($"{path}: expected a 2-D array.");
        int size = descr switch { "<f4" => 4, "<f8" => 8, _ => throw new InvalidDataException($"{path}: dtype {descr} is not float32/float64.") };
        return (size, shape[0], (int)shape[1], offset + headerLen);
    }

    /// <summary>Reads rows [start, start+count) as float32 (float64 files are converted).</summary>
    public static float[] ReadRows(string path, long start, int count)
    {
        var (size, rows, cols, off) = ReadHeader(path);
        if (start < 0 || start + count > rows) throw new ArgumentOutOfRangeException(nameof(start));
        using var f = File.OpenRead(path);
        f.Position = off + start * cols * size;
        var bytes = new byte[(long)count * cols * size];
        f.ReadExactly(bytes);
        if (size == 4)
        {
            var r = new float[(long)count * cols];
            Buffer.BlockCopy(bytes, 0, r, 0, bytes.Length);
            return r;
        }
        var d = new double[(long)count * cols];
        Buffer.BlockCopy(bytes, 0, d, 0, bytes.Length);
        return d.Select(v => (float)v).ToArray();
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex Descr();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex Shape();
}
