using System.IO.Compression;

namespace DeepClustering.Cli.Stress;

/// <summary>Seeded byte-level mutations shared by the loader and model-file fuzzers.</summary>
internal static class FuzzBytes
{
    /// <summary>A random mutation of <paramref name="bytes"/>, biased towards the first <paramref name="headerEnd"/> bytes; returns its description.</summary>
    public static (string Name, byte[] Bytes) Mutate(byte[] bytes, int headerEnd, Random rng)
    {
        var v = (byte[])bytes.Clone();
        int Pick() => v.Length == 0 ? 0 : rng.Next(3) < 2 && headerEnd > 0 ? rng.Next(Math.Min(headerEnd, v.Length)) : rng.Next(v.Length);
        switch (rng.Next(7))
        {
            case 0:
            {
                int flips = 1 + rng.Next(4);
                for (int f = 0; f < flips && v.Length > 0; f++) v[Pick()] ^= (byte)(1 << rng.Next(8));
                return ($"flip x{flips}", v);
            }
            case 1:
            {
                byte[] specials = [0, 0xFF, 0x7F, 0x80, 0x01, 0xFE];
                if (v.Length > 0) v[Pick()] = specials[rng.Next(specials.Length)];
                return ("special byte", v);
            }
            case 2:
            {
                int cut = v.Length == 0 ? 0 : rng.Next(v.Length);
                return ($"cut {cut}", v[..cut]);
            }
            case 3:
            {
                // 32-bit field overwritten with a large or negative value (little- and big-endian both hit).
                uint[] values = [0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0x0100_0000, 65_536, 0];
                int at = Pick();
                uint value = values[rng.Next(values.Length)];
                for (int i = 0; i < 4 && at + i < v.Length; i++) v[at + i] = (byte)(value >> (8 * i));
                return ($"int32 {value} at {at}", v);
            }
            case 4:
            {
                int at = v.Length == 0 ? 0 : rng.Next(v.Length);
                int count = 1 + rng.Next(8);
                var insert = new byte[count];
                rng.NextBytes(insert);
                return ($"insert {count} at {at}", [.. v[..at], .. insert, .. v[at..]]);
            }
            case 5:
            {
                if (v.Length < 2) return ("unchanged", v);
                int at = rng.Next(v.Length - 1);
                int count = 1 + rng.Next(Math.Min(16, v.Length - at - 1));
                return ($"delete {count} at {at}", [.. v[..at], .. v[(at + count)..]]);
            }
            default:
            {
                if (v.Length < 4) return ("unchanged", v);
                int from = rng.Next(v.Length / 2), len = 1 + rng.Next(Math.Min(64, v.Length - from - 1)), to = rng.Next(v.Length - len);
                Array.Copy(bytes, from, v, to, len);
                return ($"splice {len}", v);
            }
        }
    }

    /// <summary>gzip-compresses bytes.</summary>
    public static byte[] Gzip(byte[] bytes)
    {
        var ms = new MemoryStream();
        using (var z = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) z.Write(bytes);
        return ms.ToArray();
    }
}
