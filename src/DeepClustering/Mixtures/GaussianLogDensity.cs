using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// Fast evaluation of log N(x | μ_k, Σ_k) + bias_k for every row of a chunk and every component, prepared once
/// per parameter set. Diagonal and spherical components need a single <c>addmm</c> over the augmented chunk
/// [x, x²] or [x, ‖x‖²]; full and tied components one product [x, 1] · W giving all whitened residuals
/// (x − μ_k)ᵀ P_k side by side (n x K·D), reduced by one norm. Memory per chunk is O(n·K·D) at most. On CPU, full
/// and tied components use <see cref="FullCovarianceKernel"/> instead, which keeps the residuals in registers.
/// </summary>
public sealed class GaussianLogDensity : IDisposable
{
    private readonly Tensor _weights;   // augmented width x K (diag/spherical) or (D+1) x K·D (full/tied)
    private readonly Tensor _constant;  // 1 x K
    private readonly Tensor _weightsT;  // K x augmented width (diag/spherical) or empty
    private readonly Tensor _constantT; // K x 1
    private readonly HostFactors? _host;  // full/tied on CPU: the factors laid out for FullCovarianceKernel
    private readonly HostDiagonal? _hostDiagonal;  // diagonal/spherical on CPU: weights for DiagonalCovarianceKernel

    /// <summary>Precision factors, biases −μ_kᵀP_k and constants as host arrays of the working dtype (float[] or double[]).</summary>
    private sealed record HostFactors(Array Factors, Array Bias, Array Constant, int Width, bool Upper);

    /// <summary>The diagonal weights (D x padded K: μ/σ² and −½/σ²) and constants as host arrays of the working dtype.</summary>
    private sealed record HostDiagonal(Array Linear, Array Quadratic, Array Constant);

    /// <summary>Covariance type.</summary>
    public CovarianceType Covariance { get; }

    /// <summary>Number of components K.</summary>
    public int Components { get; }

    /// <summary>Number of features D.</summary>
    public int Features { get; }

    /// <summary>Working dtype of the evaluation.</summary>
    public ScalarType Dtype { get; }

    private GaussianLogDensity(CovarianceType type, int k, int d, ScalarType dtype, Tensor weights, Tensor constant, HostFactors? host,
        HostDiagonal? hostDiagonal)
    {
        Covariance = type; Components = k; Features = d; Dtype = dtype; _host = host; _hostDiagonal = hostDiagonal;
        _weights = weights.DetachFromDisposeScope();
        _constant = constant.DetachFromDisposeScope();
        _weightsT = (type is CovarianceType.Diagonal or CovarianceType.Spherical ? weights.t().contiguous() : empty(0, dtype: dtype, device: weights.device)).DetachFromDisposeScope();
        _constantT = constant.reshape(k, 1).contiguous().DetachFromDisposeScope();
    }

    /// <summary>Prepares the kernel.</summary>
    /// <param name="type">Covariance type.</param>
    /// <param name="means">Means in the chunks' (centred) coordinates, K x D, double.</param>
    /// <param name="precisionsCholesky">Precision Cholesky factors (double), shaped by <paramref name="type"/>.</param>
    /// <param name="componentBias">Added to component k's log-density (for example log weights), K; null for none.</param>
    /// <param name="dtype">Working dtype of the chunks.</param>
    public static GaussianLogDensity Create(CovarianceType type, Tensor means, Tensor precisionsCholesky, Tensor? componentBias, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(precisionsCholesky);
        using var scope = NewDisposeScope();
        var f64 = ScalarType.Float64;
        var mu = means.to(f64);
        var pc = precisionsCholesky.to(f64, mu.device);
        int k = (int)mu.shape[0], d = (int)mu.shape[1];
        var constant = GaussianMath.ComputeLogDetCholesky(type, pc, d) - 0.5 * d * GaussianMath.Log2Pi;
        if (type == CovarianceType.Tied) constant = constant.expand(k);
        if (componentBias is not null) constant = constant + componentBias.to(f64, mu.device);
        Tensor w;
        HostFactors? host = null;
        switch (type)
        {
            case CovarianceType.Full:
            case CovarianceType.Tied:
            {
                var p = type == CovarianceType.Tied ? pc.unsqueeze(0).expand(k, d, d) : pc;     // K x D x D
                var top = p.permute(1, 0, 2).reshape(d, (long)k * d);                           // column block k = P_k
                var bottom = -mu.unsqueeze(1).bmm(p).reshape(1, (long)k * d);                    // −μ_kᵀ P_k
                w = cat(new[] { top, bottom }, 0);
                if (mu.device_type == DeviceType.CPU && FullCovarianceKernel.Supports(d))
                    host = dtype switch
                    {
                        ScalarType.Float32 => PrepareHost<float>(p, bottom.reshape(k, d), constant.reshape(k), dtype),
                        ScalarType.Float64 => PrepareHost<double>(p, bottom.reshape(k, d), constant.reshape(k), dtype),
                        _ => null,
                    };
                break;
            }
            case CovarianceType.Diagonal:
            {
                var prec = pc.square();                                                          // K x D
                w = cat(new[] { (mu * prec).t(), -0.5 * prec.t() }, 0);                          // 2D x K
                constant = constant - 0.5 * (mu.square() * prec).sum(dim: 1);
                break;
            }
            default:
            {
                var prec = pc.square();                                                          // K
                w = cat(new[] { (mu * prec.unsqueeze(1)).t(), -0.5 * prec.unsqueeze(0) }, 0);   // (D+1) x K
                constant = constant - 0.5 * prec * mu.square().sum(dim: 1);
                break;
            }
        }
        HostDiagonal? hostDiagonal = null;
        if (type is CovarianceType.Diagonal or CovarianceType.Spherical && mu.device_type == DeviceType.CPU && DiagonalCovarianceKernel.Supports(k, d))
        {
            // Spherical components are diagonal ones with one variance: the same kernel, −½/σ² repeated over features.
            var linear = w.narrow(0, 0, d);
            var quadratic = w.narrow(0, d, w.shape[0] - d).expand(d, k);
            hostDiagonal = dtype switch
            {
                ScalarType.Float32 => PrepareHostDiagonal<float>(linear, quadratic, constant, dtype),
                ScalarType.Float64 => PrepareHostDiagonal<double>(linear, quadratic, constant, dtype),
                _ => null,
            };
        }
        return new GaussianLogDensity(type, k, d, dtype, w.to(dtype).contiguous(), constant.to(dtype).reshape(1, k).contiguous(), host, hostDiagonal);
    }

    /// <summary>Host copies for <see cref="DiagonalCovarianceKernel.Accumulate"/>: K padded to whole vector pairs with zeros.</summary>
    private static HostDiagonal PrepareHostDiagonal<T>(Tensor linear, Tensor quadratic, Tensor constant, ScalarType dtype) where T : unmanaged
    {
        using var scope = NewDisposeScope();
        int k = (int)linear.shape[1], padding = DiagonalCovarianceKernel.PaddedComponents<T>(k) - k;
        return new HostDiagonal(PaddedHostArray<T>(linear, padding, dtype), PaddedHostArray<T>(quadratic, padding, dtype),
            PaddedHostArray<T>(constant.reshape(1, k), padding, dtype));
    }

    /// <summary>The elements of <paramref name="t"/> in <paramref name="dtype"/>, its last dimension padded with zeros, as a host array.</summary>
    private static T[] PaddedHostArray<T>(Tensor t, long padding, ScalarType dtype) where T : unmanaged
    {
        using var scope = NewDisposeScope();
        return nn.functional.pad(t.to(dtype), new long[] { 0, padding }).contiguous().cpu().data<T>().ToArray();
    }

    /// <summary>
    /// Whether <see cref="AccumulateOnHost"/> runs for chunks of <paramref name="dtype"/> on <paramref name="device"/>:
    /// diagonal or spherical components, prepared on CPU for that dtype, with K·D within the kernel's limit.
    /// </summary>
    internal bool CanAccumulateOnHost(ScalarType dtype, Device device) =>
        _hostDiagonal is not null && device.type == DeviceType.CPU && dtype == Dtype;

    /// <summary>
    /// A maximum-likelihood E-step over the chunk with the statistics it feeds, in one pass of
    /// <see cref="DiagonalCovarianceKernel.Accumulate"/> (see <see cref="CanAccumulateOnHost"/>): adds Σ r, Σ r x and
    /// Σ r x² per component (K, K x D, K x D) and the hard cluster sizes when given; returns Σ log p(x).
    /// </summary>
    internal double AccumulateOnHost(RowChunk chunk, Span<double> responsibilitySums, Span<double> firstMoments, Span<double> secondMoments,
        Span<long> sizes)
    {
        var h = _hostDiagonal!;
        using var rows = chunk.Augmented.contiguous();
        int stride = (int)rows.shape[1];
        return Dtype == ScalarType.Float32
            ? DiagonalCovarianceKernel.Accumulate(LloydKernel.Span<float>(rows), stride, Features, (float[])h.Linear, (float[])h.Quadratic,
                (float[])h.Constant, Components, -80f, responsibilitySums, firstMoments, secondMoments, sizes)
            : DiagonalCovarianceKernel.Accumulate(LloydKernel.Span<double>(rows), stride, Features, (double[])h.Linear, (double[])h.Quadratic,
                (double[])h.Constant, Components, -690.0, responsibilitySums, firstMoments, secondMoments, sizes);
    }

    /// <summary>Host copies for <see cref="FullCovarianceKernel.LogDensity"/>: rows of each factor padded to whole vectors.</summary>
    private static HostFactors PrepareHost<T>(Tensor factors, Tensor bias, Tensor constant, ScalarType dtype) where T : unmanaged
    {
        using var scope = NewDisposeScope();
        long k = factors.shape[0], d = factors.shape[1];
        int width = FullCovarianceKernel.PaddedWidth<T>((int)d);
        bool upper = factors.tril(-1).eq(0).all().item<bool>();
        return new HostFactors(PaddedHostArray<T>(factors, width - d, dtype), PaddedHostArray<T>(bias, width - d, dtype),   // K x D x width, K x width
            PaddedHostArray<T>(constant, 0, dtype), width, upper);
    }

    /// <summary>log N(x | μ_k, Σ_k) + bias_k for each row of the chunk (n x K, new tensor in the working dtype).</summary>
    public Tensor Evaluate(RowChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        return Evaluate(chunk.Augmented);
    }

    /// <summary>As <see cref="Evaluate(RowChunk)"/>, from an augmented block (see <see cref="GaussianMath.Augment"/>).</summary>
    public Tensor Evaluate(Tensor augmented)
    {
        ArgumentNullException.ThrowIfNull(augmented);
        if (Covariance is CovarianceType.Diagonal or CovarianceType.Spherical)
        {
            // Double precision: MKL's dgemm is about twice as fast with the long axis as the output's columns
            // (K x n), even counting the transposing copy a consumer may make; float32 favours n x K.
            if (Dtype == ScalarType.Float64 && augmented.dtype == ScalarType.Float64)
            {
                using var kn = _constantT.addmm(_weightsT, augmented.t());
                return kn.t();
            }
            return _constant.addmm(augmented, _weights);
        }
        if (_host is not null && augmented.device_type == DeviceType.CPU && augmented.dtype == Dtype)
            return Dtype == ScalarType.Float32 ? EvaluateOnHost<float>(augmented) : EvaluateOnHost<double>(augmented);
        using var scope = NewDisposeScope();
        long n = augmented.shape[0];
        var y = augmented.matmul(_weights).view(n, Components, Features);                        // whitened residuals
        var q = linalg.vector_norm(y, 2, new long[] { 2 });
        return q.pow_(Scalars.Two).mul_(Scalars.MinusHalf).add_(_constant, Scalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>Full and tied components on CPU: <see cref="FullCovarianceKernel.LogDensity"/> over the rows of [x, 1].</summary>
    private Tensor EvaluateOnHost<T>(Tensor augmented) where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        var h = _host!;
        using var rows = augmented.contiguous();
        long n = rows.shape[0];
        var output = empty(n, Components, dtype: Dtype);
        if (n == 0) return output;
        FullCovarianceKernel.LogDensity(LloydKernel.Span<T>(rows), (int)rows.shape[1], Features, (T[])h.Factors, h.Width,
            (T[])h.Bias, (T[])h.Constant, h.Upper, LloydKernel.Span<T>(output));
        return output;
    }

    /// <summary>Releases the prepared tensors.</summary>
    public void Dispose()
    {
        _weights.Dispose();
        _constant.Dispose();
        _weightsT.Dispose();
        _constantT.Dispose();
    }
}
