using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace DeepClustering.Cli.Stress;

/// <summary>Takes model files (zip archives) apart and puts them back together, damaged on purpose.</summary>
internal static class ZipSurgery
{
    /// <summary>The entries of an archive, in order.</summary>
    public static List<(string Name, byte[] Data)> Entries(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        var list = new List<(string, byte[])>();
        foreach (var e in archive.Entries)
        {
            using var s = e.Open();
            var ms = new MemoryStream();
            s.CopyTo(ms);
            list.Add((e.FullName, ms.ToArray()));
        }
        return list;
    }

    /// <summary>Builds an archive from entries (deflated, or stored when <paramref name="stored"/>).</summary>
    public static byte[] Build(IEnumerable<(string Name, byte[] Data)> entries, bool stored = false)
    {
        var ms = new MemoryStream();
        using (var archive = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, data) in entries)
            {
                var e = archive.CreateEntry(name, stored ? CompressionLevel.NoCompression : CompressionLevel.Fastest);
                e.LastWriteTime = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
                using var s = e.Open();
                s.Write(data);
            }
        return ms.ToArray();
    }

    /// <summary>Offsets worth cutting at: every record signature and the fixed fields after it, and the end.</summary>
    public static SortedSet<int> Boundaries(byte[] zip)
    {
        var cuts = new SortedSet<int> { 0, 1, 2, 3, zip.Length - 1 };
        for (int i = 0; i + 4 <= zip.Length; i++)
        {
            if (zip[i] != 0x50 || zip[i + 1] != 0x4B) continue;
            int fixedSize = (zip[i + 2], zip[i + 3]) switch { (3, 4) => 30, (1, 2) => 46, (5, 6) => 22, _ => -1 };
            if (fixedSize < 0) continue;
            foreach (int d in new[] { 0, 1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 34, 38, 42, 46 })
                if (d <= fixedSize + 4 && i + d < zip.Length) cuts.Add(i + d);
            if (zip[i + 2] == 3 && i + 30 <= zip.Length)
            {
                // Just after the local header's name: the start of the entry's data.
                int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + 26));
                if (i + 30 + nameLength < zip.Length) { cuts.Add(i + 30 + nameLength); cuts.Add(i + 31 + nameLength); }
            }
        }
        return cuts;
    }

    /// <summary>
    /// Overwrites the uncompressed size that the local and central headers declare for entry <paramref name="name"/>
    /// (a lying header: the data do not change).
    /// </summary>
    public static byte[] PatchDeclaredSize(byte[] zip, string name, uint size)
    {
        var v = (byte[])zip.Clone();
        var nameBytes = Encoding.UTF8.GetBytes(name);
        for (int i = 0; i + 46 <= v.Length; i++)
        {
            if (v[i] != 0x50 || v[i + 1] != 0x4B) continue;
            bool local = v[i + 2] == 3 && v[i + 3] == 4, central = v[i + 2] == 1 && v[i + 3] == 2;
            if (!local && !central) continue;
            int nameAt = i + (local ? 30 : 46), lengthAt = i + (local ? 26 : 28), sizeAt = i + (local ? 22 : 24);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(v.AsSpan(lengthAt));
            if (nameLength != nameBytes.Length || nameAt + nameLength > v.Length || !v.AsSpan(nameAt, nameLength).SequenceEqual(nameBytes)) continue;
            BinaryPrimitives.WriteUInt32LittleEndian(v.AsSpan(sizeAt), size);
        }
        return v;
    }
}
