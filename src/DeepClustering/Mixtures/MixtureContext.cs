using DeepClustering.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// What a mixture estimator's hooks may know about the fit in progress: shapes, precision, device, the centring
/// vector, the restart's random source, and (on demand) the data's mean and covariance. Coordinates seen by the
/// hooks are centred: a row x enters as x − <see cref="Center"/>.
/// </summary>
public sealed class MixtureContext
{
    private readonly MixtureData _data;
    private readonly int _chunkRows;
    private (Tensor Mean, Tensor Covariance)? _moments;

    internal MixtureContext(MixtureData data, int components, int chunkRows)
    {
        _data = data; _chunkRows = chunkRows; Components = components;
    }

    /// <summary>Number of components K.</summary>
    public int Components { get; }

    /// <summary>Number of features D.</summary>
    public int Features => _data.Features;

    /// <summary>Number of rows N.</summary>
    public long Rows => _data.Rows;

    /// <summary>Covariance type.</summary>
    public CovarianceType Covariance => _data.Covariance;

    /// <summary>Working dtype of the chunks.</summary>
    public ScalarType Dtype => _data.Dtype;

    /// <summary>Device of the fit.</summary>
    public Device Device => _data.Device;

    /// <summary>Centring vector (D, double, on <see cref="Device"/>); owned by the fit, do not dispose.</summary>
    public Tensor Center => _data.Center;

    /// <summary>Rows per chunk.</summary>
    public int ChunkRows => _chunkRows;

    /// <summary>Random source of the current restart; owned by the fit.</summary>
    public RandomSource Random { get; internal set; } = null!;

    /// <summary>Index of the current restart.</summary>
    public int Restart { get; internal set; }

    /// <summary>
    /// Mean (D) and covariance (D x D, normalised by N − 1 as numpy's <c>cov</c>) of the centred data, double, on
    /// <see cref="Device"/>; computed by one pass on first use and owned by the fit (do not dispose).
    /// </summary>
    public (Tensor Mean, Tensor Covariance) DataMoments(CancellationToken cancellationToken = default)
    {
        if (_moments is { } m) return m;
        using var scope = NewDisposeScope();
        var f64 = ScalarType.Float64;
        var sum = zeros(Features, dtype: f64, device: Device);
        var gram = zeros(Features, Features, dtype: f64, device: Device);
        foreach (var chunk in _data.Chunks(_chunkRows, cancellationToken))
            using (chunk)
            {
                var x = chunk.X;
                sum.add_(x.sum(dim: 0, type: f64));
                gram.add_(x.t().matmul(x).to(f64));
            }
        long n = Rows;
        var mean = sum / n;
        var cov = (gram - n * mean.unsqueeze(1) * mean.unsqueeze(0)) / Math.Max(1, n - 1);
        _moments = (mean.DetachFromDisposeScope(), cov.DetachFromDisposeScope());
        return _moments.Value;
    }

    internal void Release()
    {
        if (_moments is { } m) { m.Mean.Dispose(); m.Covariance.Dispose(); }
        _moments = null;
    }
}
