using DeepClustering.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// Where the EM engine's rows come from: an in-memory tensor (centred and augmented once, chunks are views)
/// or a streamed source (each chunk read, converted, centred and augmented on the fly). Both give the same
/// <see cref="RowChunk"/>s, so every pass of the engine is the same code.
/// </summary>
internal abstract class MixtureData : IDisposable
{
    protected MixtureData(CovarianceType type, int features, long rows, ScalarType dtype, Device device, Tensor center)
    {
        Covariance = type; Features = features; Rows = rows; Dtype = dtype; Device = device;
        Center = center.DetachFromDisposeScope();
    }

    public CovarianceType Covariance { get; }
    public int Features { get; }
    public long Rows { get; }
    public ScalarType Dtype { get; }
    public Device Device { get; }

    /// <summary>Centring vector (D, double, on the device) subtracted from every row.</summary>
    public Tensor Center { get; }

    /// <summary>The rows in chunks of at most <paramref name="chunkRows"/>; each chunk must be disposed by the consumer.</summary>
    public abstract IEnumerable<RowChunk> Chunks(int chunkRows, CancellationToken ct);

    /// <summary>Centred rows at the given indices (ascending), in the working dtype.</summary>
    public abstract Tensor Gather(long[] sortedIndices, CancellationToken ct);

    /// <summary>
    /// Centred rows to seed k-means / k-means++ on: all rows when in memory, else a uniform sample of at most
    /// <paramref name="maxRows"/>.
    /// </summary>
    public abstract Tensor InitializationSample(int maxRows, RandomSource rng, CancellationToken ct);

    public virtual void Dispose() => Center.Dispose();
}

/// <summary>Rows already in memory as one tensor: centred and augmented once; chunks are views.</summary>
internal sealed class InMemoryMixtureData : MixtureData
{
    private readonly Tensor _augmented;

    private InMemoryMixtureData(CovarianceType type, int features, long rows, ScalarType dtype, Device device, Tensor center, Tensor augmented)
        : base(type, features, rows, dtype, device, center) => _augmented = augmented.DetachFromDisposeScope();

    /// <summary>Centres <paramref name="data"/> (not modified) with its column means and augments it for <paramref name="type"/>.</summary>
    public static InMemoryMixtureData Create(Tensor data, CovarianceType type, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var center = Centering.ColumnMeans(data, device);
        var aug = Centering.ApplyAugmented(data, center, type, dtype, device);
        return new InMemoryMixtureData(type, (int)data.shape[1], data.shape[0], dtype, device, center, aug);
    }

    public override IEnumerable<RowChunk> Chunks(int chunkRows, CancellationToken ct)
    {
        for (long s = 0; s < Rows; s += chunkRows)
        {
            ct.ThrowIfCancellationRequested();
            yield return new RowChunk(_augmented.narrow(0, s, Math.Min(chunkRows, Rows - s)), Features, s, ownsAugmented: true);
        }
    }

    public override Tensor Gather(long[] sortedIndices, CancellationToken ct)
    {
        using var idx = tensor(sortedIndices, device: Device);
        using var rows = _augmented.index_select(0, idx);
        return rows.narrow(1, 0, Features).contiguous();
    }

    public override Tensor InitializationSample(int maxRows, RandomSource rng, CancellationToken ct) => _augmented.narrow(1, 0, Features);

    public override void Dispose()
    {
        _augmented.Dispose();
        base.Dispose();
    }
}

/// <summary>
/// Rows streamed from an <see cref="Data.IRowChunkSource"/>, read again on every pass: memory is bounded by the chunk
/// size, not by the row count. The centring vector is the mean of the first chunk (it only conditions the sums).
/// </summary>
internal sealed class StreamMixtureData : MixtureData
{
    private readonly Data.IRowChunkSource _source;

    private StreamMixtureData(Data.IRowChunkSource source, CovarianceType type, ScalarType dtype, Device device, Tensor center)
        : base(type, source.Columns, source.Rows, dtype, device, center) => _source = source;

    public static StreamMixtureData Create(Data.IRowChunkSource source, CovarianceType type, ScalarType dtype, Device device, int chunkRows, CancellationToken ct)
    {
        var first = source.ReadChunks(chunkRows, ct).FirstOrDefault()
            ?? throw new ArgumentException($"{source.Name} yielded no rows although it declares {source.Rows}.", nameof(source));
        if (first.Columns != source.Columns)
            throw new ArgumentException($"{source.Name} yielded a chunk with {first.Columns} columns but declares {source.Columns}.", nameof(source));
        using var scope = NewDisposeScope();
        var t = first.ToTensor(device);
        var center = Centering.ColumnMeans(t, device);
        return new StreamMixtureData(source, type, dtype, device, center);
    }

    public override IEnumerable<RowChunk> Chunks(int chunkRows, CancellationToken ct)
    {
        long start = 0;
        foreach (var ds in _source.ReadChunks(chunkRows, ct))
        {
            ct.ThrowIfCancellationRequested();
            if (ds.Columns != Features)
                throw new ArgumentException($"{_source.Name} yielded a chunk with {ds.Columns} columns but declares {Features}.", "source");
            if (ds.Rows == 0) continue;
            Tensor aug;
            using (var scope = NewDisposeScope())
            {
                // Shares the chunk's array (no managed copies: large-object churn triggers background GCs).
                var raw = frombuffer(ds.RawValues, ScalarType.Float32, (long)ds.Rows * ds.Columns).view(ds.Rows, ds.Columns);
                aug = Centering.ApplyAugmented(raw, Center, Covariance, Dtype, Device).DetachFromDisposeScope();
            }
            yield return new RowChunk(aug, Features, start, ownsAugmented: true);
            start += ds.Rows;
        }
    }

    public override Tensor Gather(long[] sortedIndices, CancellationToken ct)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        int next = 0;
        int chunkRows = Math.Max(1, (int)Math.Min(65536, (64L << 20) / Math.Max(1, 4L * Features)));
        foreach (var chunk in Chunks(chunkRows, ct))
            using (chunk)
            {
                long end = chunk.Start + chunk.Rows;
                var local = new List<long>();
                while (next < sortedIndices.Length && sortedIndices[next] < end) local.Add(sortedIndices[next++] - chunk.Start);
                if (local.Count > 0) parts.Add(chunk.X.index_select(0, tensor(local.ToArray(), device: Device)));
                if (next == sortedIndices.Length) break;
            }
        if (parts.Count == 0) throw new InvalidOperationException("the stream yielded none of the requested rows.");
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    public override Tensor InitializationSample(int maxRows, RandomSource rng, CancellationToken ct)
    {
        if (Rows <= maxRows)
        {
            var all = new long[Rows];
            for (long i = 0; i < Rows; i++) all[i] = i;
            return Gather(all, ct);
        }
        // Floyd's algorithm: maxRows distinct indices, uniformly, without materialising a permutation of N.
        var chosen = new HashSet<long>();
        for (long j = Rows - maxRows; j < Rows; j++)
        {
            long t = rng.Random.NextInt64(j + 1);
            if (!chosen.Add(t)) chosen.Add(j);
        }
        var sorted = chosen.ToArray();
        Array.Sort(sorted);
        return Gather(sorted, ct);
    }
}
