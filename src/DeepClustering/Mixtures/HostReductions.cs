using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// Whole-data reductions on contiguous CPU float tensors done in one managed sweep. libtorch's double-precision
/// reductions of float data (<c>sum(type: Float64)</c>) and <c>isfinite</c> materialise a converted or boolean
/// copy of the whole matrix; on a 200,000 x 32 input those cost tens of milliseconds, several k-means iterations.
/// </summary>
internal static class HostReductions
{
    /// <summary>Whether <paramref name="t"/> is read directly: a contiguous CPU float32 or float64 tensor.</summary>
    public static bool Supports(Tensor t) =>
        t.device_type == DeviceType.CPU && t.dtype is ScalarType.Float32 or ScalarType.Float64 && t.is_contiguous()
        && t.numel() * t.ElementSize <= int.MaxValue;

    /// <summary>Column sums of a rows x <paramref name="columns"/> tensor (see <see cref="Supports"/>) in double.</summary>
    public static double[] ColumnSums(Tensor t, int columns)
    {
        var sums = new double[columns];
        if (t.dtype == ScalarType.Float32) ColumnSums(LloydKernel.Span<float>(t), sums);
        else ColumnSums(LloydKernel.Span<double>(t), sums);
        return sums;
    }

    /// <summary>Index of the first non-finite element (NaN or infinity) of <paramref name="t"/>, or −1.</summary>
    public static long FirstNonFinite(Tensor t) =>
        t.dtype == ScalarType.Float32 ? FirstNonFinite(LloydKernel.Span<float>(t)) : FirstNonFinite(LloydKernel.Span<double>(t));

    /// <summary>Squared norm of every row of a rows x <paramref name="columns"/> tensor (see <see cref="Supports"/>), same dtype.</summary>
    public static Tensor RowSquaredNorms(Tensor t, int columns)
    {
        long rows = t.shape[0];
        var result = empty(rows, dtype: t.dtype);
        if (t.dtype == ScalarType.Float32) RowSquaredNorms(LloydKernel.Span<float>(t), columns, LloydKernel.Span<float>(result));
        else RowSquaredNorms(LloydKernel.Span<double>(t), columns, LloydKernel.Span<double>(result));
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowSquaredNorms<T>(ReadOnlySpan<T> values, int columns, Span<T> norms) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int w = Vector256<T>.Count;
        for (int i = 0; i < norms.Length; i++)
        {
            var row = values.Slice(i * columns, columns);
            int c = 0;
            T total = T.Zero;
            if (Vector256.IsHardwareAccelerated && columns >= w)
            {
                var acc = Vector256<T>.Zero;
                for (; c + w <= columns; c += w) { var v = Vector256.Create(row.Slice(c)); acc += v * v; }
                total = Vector256.Sum(acc);
            }
            for (; c < columns; c++) total += row[c] * row[c];
            norms[i] = total;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ColumnSums<T>(ReadOnlySpan<T> values, double[] sums) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int columns = sums.Length;
        for (int i = 0; i + columns <= values.Length; i += columns)
            LloydKernel.AddRow(values.Slice(i, columns), sums);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long FirstNonFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int i = 0, w = Vector256<T>.Count;
        if (Vector256.IsHardwareAccelerated)
        {
            // x − x is 0 for finite x and NaN otherwise; NaN ≠ NaN flags it. One block at a time, exit at the first.
            for (; i + w <= values.Length; i += w)
            {
                var v = Vector256.Create(values.Slice(i));
                var z = v - v;
                if (!Vector256.EqualsAll(z, z)) break;
            }
        }
        for (; i < values.Length; i++)
            if (!T.IsFinite(values[i])) return i;
        return -1;
    }
}
