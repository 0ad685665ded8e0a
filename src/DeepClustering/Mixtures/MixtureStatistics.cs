using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// Sufficient statistics of one pass over the data with fixed responsibilities r (n x K), accumulated chunk by
/// chunk in double precision on the fit's device, so an M-step never needs the rows themselves. Coordinates are
/// the fit's centred ones. Moments are taken about reference points ref_k (the current means for Full
/// covariances, which keeps the sums well conditioned; zero otherwise):
/// <list type="bullet">
/// <item><see cref="ResponsibilitySums"/> = Σ_i r_ik (K)</item>
/// <item><see cref="FirstMoments"/> = Σ_i r_ik (x_i − ref_k) (K x D)</item>
/// <item><see cref="SecondMoments"/>: Full Σ_i r_ik (x_i − ref_k)(x_i − ref_k)ᵀ (K x D x D); Tied Σ_i (Σ_k r_ik) x_i x_iᵀ
/// (D x D); Diagonal Σ_i r_ik x_i² (K x D); Spherical Σ_i r_ik ‖x_i‖² (K)</item>
/// <item><see cref="SumLogProbNorm"/> = Σ_i log Σ_k exp(weighted log-probability), and optionally Σ_ik r_ik log r_ik.</item>
/// </list>
/// </summary>
public sealed class MixtureStatistics : IDisposable
{
    private Tensor _nk, _s1, _s2, _logNorm, _entropy;
    private readonly Tensor? _referenceWorking;

    /// <summary>Starts empty statistics.</summary>
    /// <param name="covariance">Covariance type (sets the second-moment shape).</param>
    /// <param name="components">K.</param>
    /// <param name="features">D.</param>
    /// <param name="device">Device of the accumulators.</param>
    /// <param name="reference">Reference points (K x D, any float dtype; copied), only for Full covariances; null means zero.</param>
    /// <param name="workingType">Dtype of the chunks that will be added.</param>
    public MixtureStatistics(CovarianceType covariance, int components, int features, Device device, Tensor? reference = null,
        ScalarType workingType = ScalarType.Float32)
    {
        if (reference is not null && covariance != CovarianceType.Full)
            throw new ArgumentException("reference points are only used with Full covariances.", nameof(reference));
        Covariance = covariance; Components = components; Features = features;
        var f64 = ScalarType.Float64;
        _nk = zeros(components, dtype: f64, device: device).DetachFromDisposeScope();
        _s1 = zeros(components, features, dtype: f64, device: device).DetachFromDisposeScope();
        _s2 = (covariance switch
        {
            CovarianceType.Full => zeros(components, features, features, dtype: f64, device: device),
            CovarianceType.Tied => zeros(features, features, dtype: f64, device: device),
            CovarianceType.Diagonal => zeros(components, features, dtype: f64, device: device),
            _ => zeros(components, dtype: f64, device: device),
        }).DetachFromDisposeScope();
        _logNorm = zeros(Array.Empty<long>(), dtype: f64, device: device).DetachFromDisposeScope();
        _entropy = zeros(Array.Empty<long>(), dtype: f64, device: device).DetachFromDisposeScope();
        if (reference is not null)
        {
            Reference = reference.to(f64, device).clone().DetachFromDisposeScope();
            _referenceWorking = reference.to(workingType, device).clone().contiguous().DetachFromDisposeScope();
        }
    }

    /// <summary>Covariance type.</summary>
    public CovarianceType Covariance { get; }

    /// <summary>Number of components K.</summary>
    public int Components { get; }

    /// <summary>Number of features D.</summary>
    public int Features { get; }

    /// <summary>Rows accumulated.</summary>
    public long Rows { get; private set; }

    /// <summary>Reference points (K x D, double), or null for zero.</summary>
    public Tensor? Reference { get; }

    /// <summary>Σ_i r_ik (K, double).</summary>
    public Tensor ResponsibilitySums => _nk;

    /// <summary>Σ_i r_ik (x_i − ref_k) (K x D, double).</summary>
    public Tensor FirstMoments => _s1;

    /// <summary>Second moments, shaped by the covariance type (see the class summary).</summary>
    public Tensor SecondMoments => _s2;

    /// <summary>Σ_i log p(x_i) under the parameters of the E-step (double, 0-dim tensor on the device).</summary>
    public Tensor SumLogProbNormTensor => _logNorm;

    /// <summary>Σ_i log p(x_i) as a number.</summary>
    public double SumLogProbNorm => _logNorm.item<double>(); // item() reads any device; cpu() would leave a handle to the finalizer

    /// <summary>Mean log p(x_i) over the rows: the lower bound of maximum-likelihood EM.</summary>
    public double MeanLogProbNorm => Rows == 0 ? double.NaN : SumLogProbNorm / Rows;

    /// <summary>Σ_ik r_ik log r_ik, when the estimator asked for it (zero otherwise).</summary>
    public double SumResponsibilityLogResponsibility => _entropy.item<double>();

    /// <summary>Adds a chunk with its responsibilities (n x K, in the chunk's dtype).</summary>
    /// <param name="chunk">Centred, augmented rows.</param>
    /// <param name="responsibilities">Responsibilities; rows sum to 1 in EM, may be zero rows at initialisation.</param>
    /// <param name="logNormSum">Optional Σ log p(x) of the chunk (0-dim tensor).</param>
    /// <param name="respLogRespSum">Optional Σ r log r of the chunk (0-dim tensor).</param>
    public void Add(RowChunk chunk, Tensor responsibilities, Tensor? logNormSum = null, Tensor? respLogRespSum = null)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(responsibilities);
        using var scope = NewDisposeScope();
        var f64 = ScalarType.Float64;
        var one = Scalars.One;
        _nk.add_(responsibilities.sum(dim: 0, type: f64), one);
        AddMoments(chunk, responsibilities);
        if (logNormSum is not null) _logNorm.add_(logNormSum.to(f64), one);
        if (respLogRespSum is not null) _entropy.add_(respLogRespSum.to(f64), one);
        Rows += chunk.Rows;
    }

    /// <summary>
    /// Adds a chunk whose responsibility sums and Σ log p(x) were already taken on the host (see
    /// <see cref="ResponsibilityKernel"/>): the same statistics as <see cref="Add"/> without a reduction over n x K.
    /// </summary>
    internal void AddNormalized(RowChunk chunk, Tensor responsibilities, double[] responsibilitySums, double logNormSum)
    {
        using var scope = NewDisposeScope();
        _nk.add_(tensor(responsibilitySums, device: _nk.device), Scalars.One);
        AddMoments(chunk, responsibilities);
        _logNorm.add_(tensor(logNormSum, device: _logNorm.device), Scalars.One);
        Rows += chunk.Rows;
    }

    /// <summary>
    /// Adds a chunk's whole E-step under diagonal or spherical components, taken on the host in one pass of
    /// <see cref="GaussianLogDensity.AccumulateOnHost"/> (see <see cref="GaussianLogDensity.CanAccumulateOnHost"/>), and
    /// adds each row's hard cluster to <paramref name="sizes"/> when it is not empty.
    /// </summary>
    internal void AddEStepOnHost(RowChunk chunk, GaussianLogDensity density, Span<long> sizes)
    {
        var nk = LloydKernel.Span<double>(_nk);
        var first = LloydKernel.Span<double>(_s1);
        double logNorm;
        if (Covariance == CovarianceType.Diagonal)
            logNorm = density.AccumulateOnHost(chunk, nk, first, LloydKernel.Span<double>(_s2), sizes);
        else
        {
            // Spherical: Σ r ‖x‖² is the feature sum of the diagonal second moments (pooled scratch: up to 128 KB a call).
            var second = KernelArithmetic.Rent<double>(Components * Features);
            logNorm = density.AccumulateOnHost(chunk, nk, first, second.AsSpan(0, Components * Features), sizes);
            var target = LloydKernel.Span<double>(_s2);
            for (int c = 0; c < Components; c++)
                for (int j = 0; j < Features; j++) target[c] += second[c * Features + j];
            System.Buffers.ArrayPool<double>.Shared.Return(second);
        }
        using var scope = NewDisposeScope();
        _logNorm.add_(tensor(logNorm, device: _logNorm.device), Scalars.One);
        Rows += chunk.Rows;
    }

    /// <summary>Adds another accumulation of the same shape (for example a parallel worker's) to this one.</summary>
    internal void Merge(MixtureStatistics other)
    {
        var one = Scalars.One;
        _nk.add_(other._nk, one); _s1.add_(other._s1, one); _s2.add_(other._s2, one);
        _logNorm.add_(other._logNorm, one); _entropy.add_(other._entropy, one);
        Rows += other.Rows;
    }

    /// <summary>First and second moments of a chunk (the caller holds a dispose scope).</summary>
    private void AddMoments(RowChunk chunk, Tensor responsibilities)
    {
        var f64 = ScalarType.Float64;
        var r = responsibilities;
        var rt = r.t();
        var x = chunk.X;
        int d = Features;
        var one = Scalars.One;
        switch (Covariance)
        {
            case CovarianceType.Diagonal:
            case CovarianceType.Spherical:
            {
                // One product gives Σ r x and Σ r x² (or Σ r ‖x‖²) from the augmented columns. Its layout is the
                // faster one of MKL's for the dtype (single precision: augᵀ·r, then transposed).
                var m = (r.dtype == ScalarType.Float32 ? chunk.Augmented.t().matmul(r).t() : rt.matmul(chunk.Augmented)).to(f64);
                _s1.add_(m.narrow(1, 0, d), one);
                if (Covariance == CovarianceType.Diagonal) _s2.add_(m.narrow(1, d, d), one);
                else _s2.add_(m.select(1, d), one);
                break;
            }
            case CovarianceType.Tied:
            {
                _s1.add_(rt.matmul(x).to(f64), one);
                var rowWeight = r.sum(dim: 1, keepdim: true);
                _s2.add_(x.mul(rowWeight).t().matmul(x).to(f64), one);
                break;
            }
            default:
            {
                if (x.device_type == DeviceType.CPU && FullCovarianceKernel.Supports(Features) && r.dtype == x.dtype
                    && r.dtype is ScalarType.Float32 or ScalarType.Float64)
                {
                    AddScatterOnHost(chunk, r);
                    break;
                }
                // Weighted Gram of the residuals about the reference points: with w = √r (x − ref),
                // Σ r (x − ref)(x − ref)ᵀ = wᵀ w, one batched product over components (K x n x D temporaries).
                var sqrtR = rt.sqrt().unsqueeze(2);                         // K x n x 1
                var w = _referenceWorking is null
                    ? x.unsqueeze(0).mul(sqrtR)
                    : x.unsqueeze(0).sub(_referenceWorking.unsqueeze(1)).mul_(sqrtR);
                _s2.add_(w.transpose(1, 2).bmm(w).to(f64), one);
                // Σ r (x − ref) = rᵀx − (Σ r) ref: a product over x, not another pass over the K x n x D residuals.
                var s1 = rt.matmul(x).to(f64);
                if (Reference is not null) s1.sub_(r.sum(dim: 0, type: f64).unsqueeze(1).mul(Reference));
                _s1.add_(s1, one);
                break;
            }
        }
    }

    /// <summary>Full covariances on CPU: both moments in one sweep of <see cref="FullCovarianceKernel.AddScatter"/>.</summary>
    private void AddScatterOnHost(RowChunk chunk, Tensor responsibilities)
    {
        var rows = chunk.Augmented.contiguous();
        var r = responsibilities.contiguous();
        int stride = (int)rows.shape[1];
        if (r.dtype == ScalarType.Float32)
            FullCovarianceKernel.AddScatter(LloydKernel.Span<float>(rows), stride, Features, LloydKernel.Span<float>(r),
                _referenceWorking is null ? ReadOnlySpan<float>.Empty : LloydKernel.Span<float>(_referenceWorking),
                LloydKernel.Span<double>(_s1), LloydKernel.Span<double>(_s2));
        else
            FullCovarianceKernel.AddScatter(LloydKernel.Span<double>(rows), stride, Features, LloydKernel.Span<double>(r),
                _referenceWorking is null ? ReadOnlySpan<double>.Empty : LloydKernel.Span<double>(_referenceWorking),
                LloydKernel.Span<double>(_s1), LloydKernel.Span<double>(_s2));
    }

    /// <summary>Releases the accumulators.</summary>
    public void Dispose()
    {
        _nk.Dispose(); _s1.Dispose(); _s2.Dispose(); _logNorm.Dispose(); _entropy.Dispose();
        Reference?.Dispose(); _referenceWorking?.Dispose();
    }
}
