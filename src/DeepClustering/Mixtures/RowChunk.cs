using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// A block of rows handed to the E-step and the statistics accumulation. <see cref="X"/> holds the rows minus
/// the fit's centring vector, in the working precision; <see cref="Augmented"/> is <see cref="X"/> with the extra
/// columns the covariance type's kernels use (see <see cref="GaussianMath.Augment"/>), so one matrix product
/// evaluates all components. Both may be views of a larger tensor: read them, never modify them.
/// </summary>
public sealed class RowChunk : IDisposable
{
    private readonly bool _ownsAugmented;

    /// <summary>Wraps an augmented block; <see cref="X"/> is a view of its first <paramref name="features"/> columns.</summary>
    /// <param name="augmented">Rows x (features + extra columns).</param>
    /// <param name="features">Number of data features D.</param>
    /// <param name="start">Index of the first row within the whole data.</param>
    /// <param name="ownsAugmented">Whether disposing the chunk disposes <paramref name="augmented"/>.</param>
    public RowChunk(Tensor augmented, int features, long start, bool ownsAugmented)
    {
        Augmented = augmented;
        X = augmented.narrow(1, 0, features);
        Start = start;
        _ownsAugmented = ownsAugmented;
    }

    /// <summary>Centred rows (n x D).</summary>
    public Tensor X { get; }

    /// <summary>Centred rows with the covariance type's extra columns (n x (D + extra)).</summary>
    public Tensor Augmented { get; }

    /// <summary>Index of the first row within the whole data set.</summary>
    public long Start { get; }

    /// <summary>Number of rows n.</summary>
    public long Rows => X.shape[0];

    /// <summary>Releases the views (and the block when owned).</summary>
    public void Dispose()
    {
        X.Dispose();
        if (_ownsAugmented) Augmented.Dispose();
    }
}
