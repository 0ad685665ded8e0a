using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// The EM engine works on rows minus a centring vector (the training mean): distances and second moments then
/// keep their precision in float32 whatever the data's offset (translation invariance).
/// </summary>
internal static class Centering
{
    /// <summary>Column means of <paramref name="data"/> in double precision (D), on <paramref name="device"/>.</summary>
    public static Tensor ColumnMeans(Tensor data, Device device)
    {
        using var scope = NewDisposeScope();
        if (HostReductions.Supports(data))
        {
            var sums = HostReductions.ColumnSums(data, (int)data.shape[1]);
            return (tensor(sums) / data.shape[0]).to(device).MoveToOuterDisposeScope();
        }
        var m = data.sum(dim: 0, type: ScalarType.Float64) / data.shape[0];
        return m.to(device).MoveToOuterDisposeScope();
    }

    /// <summary>(data − center) in <paramref name="dtype"/> on <paramref name="device"/>; the input is not modified.</summary>
    public static Tensor Apply(Tensor data, Tensor center, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var x = data.to(dtype, device);
        var c = center.to(dtype, device);
        // A converted or moved copy is ours to centre in place (one pass and one allocation fewer); the caller's
        // tensor itself is never modified.
        bool copied = data.dtype != dtype || data.device.type != device.type || data.device.index != device.index;
        return (copied ? x.sub_(c) : x - c).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The augmented centred rows <c>GaussianMath.Augment(type, Apply(data, center, dtype, device))</c>. For CPU data
    /// in float32 or float64 they are written in one host pass into one new tensor: the two-step version allocates and
    /// writes the centred rows, their squares and the concatenation (three times the data), which took about 50 ms of
    /// a 200,000 x 32 diagonal fit.
    /// </summary>
    public static Tensor ApplyAugmented(Tensor data, Tensor center, CovarianceType type, ScalarType dtype, Device device)
    {
        int d = (int)data.shape[1];
        long width = GaussianMath.AugmentedWidth(type, d);
        bool host = device.type == DeviceType.CPU && HostReductions.Supports(data) && dtype is ScalarType.Float32 or ScalarType.Float64
            && data.shape[0] * width * (dtype == ScalarType.Float64 ? 8 : 4) <= int.MaxValue;
        if (!host)
        {
            using var scope = NewDisposeScope();
            return GaussianMath.Augment(type, Apply(data, center, dtype, device)).MoveToOuterDisposeScope();
        }
        var output = empty(data.shape[0], width, dtype: dtype);
        double[] c;
        using (var cpu = center.to(ScalarType.Float64).cpu()) c = cpu.data<double>().ToArray();
        switch (data.dtype, dtype)
        {
            case (ScalarType.Float32, ScalarType.Float32): FillAugmented<float, float>(LloydKernel.Span<float>(data), c, type, LloydKernel.Span<float>(output)); break;
            case (ScalarType.Float32, _): FillAugmented<float, double>(LloydKernel.Span<float>(data), c, type, LloydKernel.Span<double>(output)); break;
            case (_, ScalarType.Float32): FillAugmented<double, float>(LloydKernel.Span<double>(data), c, type, LloydKernel.Span<float>(output)); break;
            default: FillAugmented<double, double>(LloydKernel.Span<double>(data), c, type, LloydKernel.Span<double>(output)); break;
        }
        return output;
    }

    /// <summary>
    /// Row by row: x − c in <typeparamref name="TOut"/> (the centre rounded to it first, as <see cref="Apply"/> does),
    /// then the covariance type's extra columns (x², ‖x‖² or 1; see <see cref="GaussianMath.Augment"/>).
    /// </summary>
    private static void FillAugmented<TIn, TOut>(ReadOnlySpan<TIn> x, double[] center, CovarianceType type, Span<TOut> output)
        where TIn : unmanaged, IBinaryFloatingPointIeee754<TIn>
        where TOut : unmanaged, IBinaryFloatingPointIeee754<TOut>
    {
        int d = center.Length, width = GaussianMath.AugmentedWidth(type, d), rows = x.Length / d;
        var c = new TOut[d];
        for (int j = 0; j < d; j++) c[j] = TOut.CreateTruncating(center[j]);
        for (int i = 0; i < rows; i++)
        {
            var source = x.Slice(i * d, d);
            var target = output.Slice(i * width, width);
            TOut norm = TOut.Zero;
            for (int j = 0; j < d; j++)
            {
                TOut v = TOut.CreateTruncating(source[j]) - c[j];
                target[j] = v;
                if (type == CovarianceType.Diagonal) target[d + j] = v * v;
                else norm += v * v;
            }
            if (type == CovarianceType.Spherical) target[d] = norm;
            else if (type != CovarianceType.Diagonal) target[d] = TOut.One;
        }
    }
}
