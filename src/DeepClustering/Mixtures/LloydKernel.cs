using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// The per-row part of a Lloyd pass on CPU tensors, fused in managed SIMD code: after one n x K matrix product
/// x·cᵀ per chunk, each row's nearest centre (first minimum of ‖c‖² − 2x·c, exactly as arg-min), its distance
/// and the row itself are folded into the cluster sums in one sweep. Tensor reductions over a short K axis and
/// one-hot products cost several passes over n x K temporaries; this costs one, as scikit-learn's Cython loop.
/// </summary>
internal static class LloydKernel
{
    /// <summary>Whether <paramref name="x"/> can use the kernel (CPU, float32 or float64).</summary>
    public static bool Supports(Tensor x) =>
        x.device_type == DeviceType.CPU && x.dtype is ScalarType.Float32 or ScalarType.Float64;

    /// <summary>The elements of a contiguous CPU tensor as a span (valid while the tensor lives).</summary>
    public static Span<T> Span<T>(Tensor t) where T : unmanaged => MemoryMarshal.Cast<byte, T>(t.bytes);

    /// <summary>
    /// Nearest centre of every row: <paramref name="dots"/> is rows x K (x·c), <paramref name="cc"/> the K squared
    /// centre norms. Adds each row of <paramref name="x"/> (rows x D) to its cluster's sum in double, counts it, and
    /// adds the minima ‖c‖² − 2x·c to <paramref name="minSum"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip the unoptimised tier
    public static void Accumulate<T>(ReadOnlySpan<T> dots, ReadOnlySpan<T> x, ReadOnlySpan<T> cc, int dim,
        Span<double> sums, Span<double> counts, ref double minSum) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = cc.Length, rows = x.Length / dim;
        double total = 0;
        for (int i = 0; i < rows; i++)
        {
            int j = Nearest(dots.Slice(i * k, k), cc, out T min);
            total += double.CreateTruncating(min);
            counts[j] += 1;
            AddRow(x.Slice(i * dim, dim), sums.Slice(j * dim, dim));
        }
        minSum += total;
    }

    /// <summary>Nearest centre (labels) and squared distance max(0, ‖x‖² + ‖c‖² − 2x·c) of every row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Assign<T>(ReadOnlySpan<T> dots, ReadOnlySpan<T> xx, ReadOnlySpan<T> cc, Span<long> labels, Span<T> distances)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = cc.Length;
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = Nearest(dots.Slice(i * k, k), cc, out T min);
            distances[i] = T.Max(T.Zero, min + xx[i]);
        }
    }

    /// <summary>Index of the first minimum of cc[j] − 2 dots[j] over j, and that minimum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Nearest<T>(ReadOnlySpan<T> dots, ReadOnlySpan<T> cc, out T min) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = cc.Length, w = Vector256<T>.Count;
        T minusTwo = T.CreateTruncating(-2);
        if (!Vector256.IsHardwareAccelerated || k < w)
        {
            T best = cc[0] + minusTwo * dots[0];
            int bj = 0;
            for (int j = 1; j < k; j++)
            {
                T v = cc[j] + minusTwo * dots[j];
                if (v < best) { best = v; bj = j; }
            }
            min = best;
            return bj;
        }
        // Minimum of the full blocks with vector min, then across lanes, then over the tail; c − 2d rounds once
        // (the product by −2 is exact), so the scalar tail and the vector blocks compute identical values.
        var m2 = Vector256.Create(minusTwo);
        int blocks = k / w;
        var m = Vector256.Create(cc) + m2 * Vector256.Create(dots);
        for (int b = 1; b < blocks; b++)
            m = Vector256.MinNative(m, Vector256.Create(cc.Slice(b * w)) + m2 * Vector256.Create(dots.Slice(b * w)));
        m = LaneReduction.Spread<T, LaneReduction.Min>(m); // every lane holds the minimum
        T lowest = m.ToScalar();
        for (int j = blocks * w; j < k; j++) { T v = cc[j] + minusTwo * dots[j]; if (v < lowest) lowest = v; }
        min = lowest;
        var target = Vector256.Create(lowest);
        if (blocks * w <= 64)
        {
            // Branch-free: the equality masks of all blocks in one word; its lowest set bit is the first minimum.
            ulong found = 0;
            for (int b = 0; b < blocks; b++)
                found |= (ulong)Vector256.Equals(Vector256.Create(cc.Slice(b * w)) + m2 * Vector256.Create(dots.Slice(b * w)), target)
                    .ExtractMostSignificantBits() << (b * w);
            if (found != 0) return BitOperations.TrailingZeroCount(found);
        }
        else
        {
            for (int b = 0; b < blocks; b++)
            {
                uint mask = Vector256.Equals(Vector256.Create(cc.Slice(b * w)) + m2 * Vector256.Create(dots.Slice(b * w)), target)
                    .ExtractMostSignificantBits();
                if (mask != 0) return b * w + BitOperations.TrailingZeroCount(mask);
            }
        }
        for (int j = blocks * w; j < k; j++)
            if (cc[j] + minusTwo * dots[j] == lowest) return j;
        return k - 1; // unreachable for finite values
    }

    /// <summary>sum += row, in double (float rows are widened exactly).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddRow<T>(ReadOnlySpan<T> row, Span<double> sum) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int c = 0, dim = row.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            if (typeof(T) == typeof(float))
            {
                var r = MemoryMarshal.Cast<T, float>(row);
                for (; c + 8 <= dim; c += 8)
                {
                    var (lo, hi) = Vector256.Widen(Vector256.Create(r.Slice(c)));
                    (Vector256.Create((ReadOnlySpan<double>)sum.Slice(c)) + lo).CopyTo(sum.Slice(c));
                    (Vector256.Create((ReadOnlySpan<double>)sum.Slice(c + 4)) + hi).CopyTo(sum.Slice(c + 4));
                }
            }
            else if (typeof(T) == typeof(double))
            {
                var r = MemoryMarshal.Cast<T, double>(row);
                for (; c + 4 <= dim; c += 4)
                    (Vector256.Create((ReadOnlySpan<double>)sum.Slice(c)) + Vector256.Create(r.Slice(c))).CopyTo(sum.Slice(c));
            }
        }
        for (; c < dim; c++) sum[c] += double.CreateTruncating(row[c]);
    }
}
