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
        var x = Centering.Apply(data, center, dtype, device);
        var aug = GaussianMath.Augment(type, x);
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
