using System.Collections.ObjectModel;
using static TorchSharp.torch;

namespace DeepClustering.Data;

/// <summary>
/// A fitted per-feature affine scaling <c>(x - Offset) / Scale</c>: <see cref="ScalerKind.Standardize"/>
/// (offset = mean, scale = population standard deviation), <see cref="ScalerKind.MinMax"/> (offset = minimum,
/// scale = maximum - minimum) or <see cref="ScalerKind.None"/> (offset 0, scale 1). A constant feature gets
/// scale 1, so it becomes 0 instead of a division by zero. Statistics are computed in double precision.
/// </summary>
/// <remarks>
/// A scaler is immutable. Models persist it through <see cref="Kind"/>, <see cref="Offset"/> and
/// <see cref="Scale"/> and restore it with <see cref="FromState"/>.
/// </remarks>
public sealed class Scaler
{
    private readonly double[] _offset;
    private readonly double[] _scale;

    /// <summary>The kind of scaling.</summary>
    public ScalerKind Kind { get; }

    /// <summary>Per-feature value subtracted first.</summary>
    public IReadOnlyList<double> Offset { get; }

    /// <summary>Per-feature divisor (always finite and &gt; 0).</summary>
    public IReadOnlyList<double> Scale { get; }

    /// <summary>Number of features the scaler was fitted on.</summary>
    public int Features => _offset.Length;

    private Scaler(ScalerKind kind, double[] offset, double[] scale)
    {
        Kind = kind; _offset = offset; _scale = scale;
        Offset = new ReadOnlyCollection<double>(offset);
        Scale = new ReadOnlyCollection<double>(scale);
    }

    /// <summary>Fits a scaler to the features of <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not defined.</exception>
    /// <exception cref="ArgumentException"><paramref name="data"/> has no rows.</exception>
    public static Scaler Fit(Dataset data, ScalerKind kind)
    {
        ArgumentNullException.ThrowIfNull(data);
        Core.OptionCheck.Defined(nameof(kind), kind);
        if (data.Rows == 0) throw new ArgumentException("data has no rows; a scaler needs at least one.", nameof(data));
        var stats = new ColumnStatistics(data.Columns);
        stats.Add(data.Values.Span, data.Rows);
        return stats.ToScaler(kind);
    }

    /// <summary>
    /// Fits a scaler in one pass over a chunked source (data larger than memory); the result equals
    /// <see cref="Fit(Dataset, ScalerKind)"/> on the whole data up to rounding.
    /// </summary>
    /// <param name="source">The rows.</param>
    /// <param name="kind">The kind of scaling.</param>
    /// <param name="chunkRows">Rows per chunk read.</param>
    /// <param name="cancellationToken">Checked once per chunk.</param>
    public static Scaler Fit(IRowChunkSource source, ScalerKind kind, int chunkRows = 65536, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        Core.OptionCheck.Defined(nameof(kind), kind);
        if (source.Rows == 0) throw new ArgumentException($"'{source.Name}' has no rows; a scaler needs at least one.", nameof(source));
        var stats = new ColumnStatistics(source.Columns);
        foreach (var chunk in source.ReadChunks(chunkRows, cancellationToken))
        {
            if (chunk.Columns != source.Columns)
                throw new ArgumentException($"'{source.Name}' declares {source.Columns} columns but a chunk has {chunk.Columns}.", nameof(source));
            stats.Add(chunk.Values.Span, chunk.Rows);
        }
        return stats.ToScaler(kind);
    }

    /// <summary>Fits a scaler to an N x D tensor (any floating dtype, any device); the tensor is not modified.</summary>
    /// <exception cref="ArgumentException">The tensor is not 2-D, has no rows, or holds NaN or infinite values.</exception>
    public static Scaler Fit(Tensor data, ScalerKind kind)
    {
        ArgumentNullException.ThrowIfNull(data);
        Core.OptionCheck.Defined(nameof(kind), kind);
        if (data.dim() != 2) throw new ArgumentException($"data must be a 2-D tensor (rows x features); got {data.dim()} dimensions.", nameof(data));
        if (data.shape[0] == 0 || data.shape[1] == 0) throw new ArgumentException("data has no rows or no features.", nameof(data));
        using var scope = NewDisposeScope();
        var x = data.detach().to(ScalarType.Float64);
        if (!x.isfinite().all().item<bool>()) throw new ArgumentException("data contains NaN or infinite values; remove or impute them first.", nameof(data));
        double[] offset, scale;
        int d = (int)x.shape[1];
        switch (kind)
        {
            case ScalerKind.Standardize:
                offset = x.mean([0L]).cpu().data<double>().ToArray();
                scale = x.var(0L, unbiased: false).sqrt().cpu().data<double>().ToArray();
                break;
            case ScalerKind.MinMax:
                var min = x.amin([0L]).cpu().data<double>().ToArray();
                var max = x.amax([0L]).cpu().data<double>().ToArray();
                offset = min;
                scale = new double[d];
                for (int j = 0; j < d; j++) scale[j] = max[j] - min[j];
                break;
            default:
                offset = new double[d];
                scale = Enumerable.Repeat(1.0, d).ToArray();
                break;
        }
        FixConstant(offset, scale);
        return new Scaler(kind, offset, scale);
    }

    /// <summary>Rebuilds a saved scaler.</summary>
    /// <param name="kind">The saved <see cref="Kind"/>.</param>
    /// <param name="offset">The saved <see cref="Offset"/> (finite, within the float32 range).</param>
    /// <param name="scale">The saved <see cref="Scale"/> (finite, &gt; 1e-12 max(1, |offset|)), as long as <paramref name="offset"/>.</param>
    /// <exception cref="ArgumentException">The state is inconsistent.</exception>
    public static Scaler FromState(ScalerKind kind, IReadOnlyList<double> offset, IReadOnlyList<double> scale)
    {
        ArgumentNullException.ThrowIfNull(offset);
        ArgumentNullException.ThrowIfNull(scale);
        Core.OptionCheck.Defined(nameof(kind), kind);
        if (offset.Count == 0) throw new ArgumentException("offset is empty.", nameof(offset));
        if (offset.Count != scale.Count) throw new ArgumentException($"offset has {offset.Count} entries but scale has {scale.Count}.", nameof(scale));
        for (int j = 0; j < offset.Count; j++)
        {
            // The bounds a fitted scaler always meets (float32 data; tiny spreads replaced by 1): beyond them a
            // saved state is damaged and would turn every scaled value into infinity.
            if (!double.IsFinite(offset[j]) || Math.Abs(offset[j]) > float.MaxValue)
                throw new ArgumentException($"offset[{j}] is {offset[j]}; it must be finite and within the float32 range.", nameof(offset));
            if (!double.IsFinite(scale[j]) || !(scale[j] > 1e-12 * Math.Max(1.0, Math.Abs(offset[j]))))
                throw new ArgumentException($"scale[{j}] is {scale[j]}; it must be finite and > 1e-12 max(1, |offset[{j}]|).", nameof(scale));
        }
        return new Scaler(kind, offset.ToArray(), scale.ToArray());
    }

    /// <summary>Scales a dataset (a new dataset with the same labels, name and image shape).</summary>
    /// <exception cref="ArgumentException">The dataset has another number of features.</exception>
    public Dataset Transform(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        RequireFeatures(data.Columns, nameof(data));
        var src = data.Values.Span;
        var dst = new float[src.Length];
        int d = Features;
        // float32 arithmetic with float32 parameters, exactly as Transform(Tensor) does on a float32 tensor, so
        // that scaling a dataset and scaling its tensor give identical values.
        var offset = _offset.Select(o => (float)o).ToArray();
        var scale = _scale.Select(o => (float)o).ToArray();
        for (int start = 0; start < src.Length; start += d)
            for (int j = 0; j < d; j++)
                dst[start + j] = (src[start + j] - offset[j]) / scale[j];
        return Dataset.FromValues(dst, data.Rows, d, data.Labels, data.Name, data.Image);
    }

    /// <summary>
    /// Scales a tensor whose last dimension holds the features (e.g. N x D), on its own device and in its own
    /// floating dtype (integer tensors give float32). Returns a new tensor; the input is not modified.
    /// </summary>
    /// <exception cref="ArgumentException">The last dimension is not <see cref="Features"/>.</exception>
    public Tensor Transform(Tensor data) => Apply(data, inverse: false);

    /// <summary>Undoes <see cref="Transform(Tensor)"/>: <c>x * Scale + Offset</c>. Returns a new tensor.</summary>
    /// <exception cref="ArgumentException">The last dimension is not <see cref="Features"/>.</exception>
    public Tensor InverseTransform(Tensor data) => Apply(data, inverse: true);

    private Tensor Apply(Tensor data, bool inverse)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.dim() < 1) throw new ArgumentException("data must have at least one dimension (the features).", nameof(data));
        RequireFeatures(data.shape[^1], nameof(data));
        using var scope = NewDisposeScope();
        var dtype = data.is_floating_point() ? data.dtype : ScalarType.Float32;
        var x = data.detach().to(dtype);
        var offset = tensor(_offset).to(dtype, data.device);
        var scale = tensor(_scale).to(dtype, data.device);
        var result = inverse ? x * scale + offset : (x - offset) / scale;
        return result.MoveToOuterDisposeScope();
    }

    private void RequireFeatures(long columns, string parameter)
    {
        if (columns != Features)
            throw new ArgumentException($"the scaler was fitted on {Features} features but the data have {columns}.", parameter);
    }

    private static void FixConstant(double[] offset, double[] scale)
    {
        for (int j = 0; j < scale.Length; j++)
            if (!(scale[j] > 1e-12 * Math.Max(1.0, Math.Abs(offset[j]))) || !double.IsFinite(scale[j])) scale[j] = 1.0;
    }

    /// <summary>Per-column count, mean, sum of squared deviations, minimum and maximum, mergeable chunk by chunk (Chan et al.).</summary>
    private sealed class ColumnStatistics(int columns)
    {
        private long _count;
        private readonly double[] _mean = new double[columns];
        private readonly double[] _m2 = new double[columns];
        private readonly double[] _min = Enumerable.Repeat(double.PositiveInfinity, columns).ToArray();
        private readonly double[] _max = Enumerable.Repeat(double.NegativeInfinity, columns).ToArray();

        public void Add(ReadOnlySpan<float> values, int rows)
        {
            if (rows == 0) return;
            var mean = new double[columns];
            var m2 = new double[columns];
            for (int i = 0; i < rows; i++)
            {
                var row = values.Slice(i * columns, columns);
                for (int j = 0; j < columns; j++)
                {
                    double v = row[j];
                    mean[j] += v;
                    if (v < _min[j]) _min[j] = v;
                    if (v > _max[j]) _max[j] = v;
                }
            }
            for (int j = 0; j < columns; j++) mean[j] /= rows;
            for (int i = 0; i < rows; i++)
            {
                var row = values.Slice(i * columns, columns);
                for (int j = 0; j < columns; j++)
                {
                    double e = row[j] - mean[j];
                    m2[j] += e * e;
                }
            }
            long n = _count + rows;
            for (int j = 0; j < columns; j++)
            {
                double delta = mean[j] - _mean[j];
                _m2[j] += m2[j] + delta * delta * ((double)_count * rows / n);
                _mean[j] += delta * rows / n;
            }
            _count = n;
        }

        public Scaler ToScaler(ScalerKind kind)
        {
            double[] offset = new double[columns], scale = new double[columns];
            for (int j = 0; j < columns; j++)
            {
                (offset[j], scale[j]) = kind switch
                {
                    ScalerKind.Standardize => (_mean[j], Math.Sqrt(_m2[j] / _count)),
                    ScalerKind.MinMax => (_min[j], _max[j] - _min[j]),
                    _ => (0.0, 1.0),
                };
            }
            FixConstant(offset, scale);
            return new Scaler(kind, offset, scale);
        }
    }
}
