using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepClustering.Mixtures;

/// <summary>
/// The E-step's per-row normalisation on CPU in one managed sweep: weighted log-probabilities w (n x K) become
/// responsibilities exp(max(w − max_j w, floor)) / Σ in place, with log p(x) = max + log Σ summed over the rows,
/// the responsibility sums per component (in double) and the hard cluster sizes. The tensor version needs about
/// ten passes over n x K, and its reductions over the short K axis are slow; this is one (SIMD exp included).
/// </summary>
internal static class ResponsibilityKernel
{
    /// <summary>
    /// Normalises <paramref name="w"/> (rows x K, row-major) in place. Adds Σ_i r_ik to <paramref name="responsibilitySums"/>,
    /// counts every row's entries equal to 1 before normalisation (its largest, ties included) in
    /// <paramref name="sizes"/> when given, and returns Σ_i log p(x_i).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Normalize<T>(Span<T> w, int k, T floor, Span<double> responsibilitySums, Span<long> sizes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int rows = w.Length / k;
        double total = 0;
        // Even and odd rows add into separate sums: two dependency chains through memory instead of one.
        Span<double> oddSums = k <= 256 ? stackalloc double[k] : new double[k];
        oddSums.Clear();
        int i = 0;
        for (; i + 2 <= rows; i += 2)
        {
            // Two rows side by side: each row is one long dependency chain (max, exp, sum, log, scale), and
            // interleaving two gives the core independent work to overlap.
            var a = w.Slice(i * k, k);
            var b = w.Slice(i * k + k, k);
            T maxA = RowMax(a), maxB = RowMax(b);
            T sumA = ExpShifted(a, maxA, floor, sizes), sumB = ExpShifted(b, maxB, floor, sizes);
            T logA = T.Log(sumA), logB = T.Log(sumB);
            T invA = T.One / sumA, invB = T.One / sumB;
            total += double.CreateTruncating(maxA + logA);
            total += double.CreateTruncating(maxB + logB);
            Scale(a, invA);
            Scale(b, invB);
            LloydKernel.AddRow<T>(a, responsibilitySums);
            LloydKernel.AddRow<T>(b, oddSums);
        }
        for (; i < rows; i++)
        {
            var row = w.Slice(i * k, k);
            T max = RowMax(row);
            T sum = ExpShifted(row, max, floor, sizes);
            total += double.CreateTruncating(max + T.Log(sum));
            Scale(row, T.One / sum);
            LloydKernel.AddRow<T>(row, responsibilitySums);
        }
        for (int j = 0; j < k; j++) responsibilitySums[j] += oddSums[j];
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T RowMax<T>(ReadOnlySpan<T> row) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = row.Length, w = Vector256<T>.Count, j = 0;
        T max = row[0];
        if (Vector256.IsHardwareAccelerated && k >= w)
        {
            var m = Vector256.Create(row);
            for (j = w; j + w <= k; j += w) m = Vector256.MaxNative(m, Vector256.Create(row.Slice(j)));
            max = LaneReduction.Spread<T, LaneReduction.Max>(m).ToScalar();
        }
        for (; j < k; j++) max = T.MaxNative(max, row[j]);
        return max;
    }

    /// <summary>row ← exp(max(row − max, floor)); returns the sum; counts the entries equal to 1 into sizes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ExpShifted<T>(Span<T> row, T max, T floor, Span<long> sizes) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = row.Length, w = Vector256<T>.Count, j = 0;
        T sum = T.Zero;
        if (Vector256.IsHardwareAccelerated && k >= w)
        {
            var mv = Vector256.Create(max);
            var fv = Vector256.Create(floor);
            var one = Vector256<T>.One;
            var acc = Vector256<T>.Zero;
            ulong ones = 0;                                  // entries equal to 1 of the first 64 columns
            for (; j + w <= k; j += w)
            {
                var e = Exp(Vector256.MaxNative(Vector256.Create((ReadOnlySpan<T>)row.Slice(j)) - mv, fv));
                e.CopyTo(row.Slice(j));
                acc += e;
                if (!sizes.IsEmpty)
                {
                    uint mask = Vector256.Equals(e, one).ExtractMostSignificantBits();
                    if (j + w <= 64) ones |= (ulong)mask << j;
                    else while (mask != 0) { sizes[j + BitOperations.TrailingZeroCount(mask)]++; mask &= mask - 1; }
                }
            }
            // Usually exactly one bit: a predictable loop, where a branch per block would not be.
            while (ones != 0) { sizes[BitOperations.TrailingZeroCount(ones)]++; ones &= ones - 1; }
            sum = Vector256.Sum(acc);
        }
        for (; j < k; j++)
        {
            T e = T.Exp(T.MaxNative(row[j] - max, floor));
            row[j] = e;
            sum += e;
            if (!sizes.IsEmpty && e == T.One) sizes[j]++;
        }
        return sum;
    }

    /// <summary>row ← row · factor (the reciprocal of the row sum: one division per row, not per entry).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scale<T>(Span<T> row, T factor) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = row.Length, w = Vector256<T>.Count, j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var f = Vector256.Create(factor);
            for (; j + w <= k; j += w) (Vector256.Create((ReadOnlySpan<T>)row.Slice(j)) * f).CopyTo(row.Slice(j));
        }
        for (; j < k; j++) row[j] *= factor;
    }

    /// <summary>
    /// exp on the kernel's inputs, which lie in [floor, 0] (no overflow, no subnormal results): 2ⁿ·exp(r) with
    /// n = round(x / ln 2) taken by the 1.5·2^mantissa-bits rounding trick (which also yields 2ⁿ's exponent bits
    /// without a conversion instruction), r reduced in two parts, and exp(r) by Cephes' expf polynomial (float,
    /// about 1 ulp) or the Taylor series to r¹³ (double, |r| ≤ ln 2 / 2, truncation below 1e-17). Inline, unlike
    /// <see cref="Vector256.Exp(Vector256{float})"/>, which also widens float to double.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<T> Exp<T>(Vector256<T> v) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var x = v.As<T, float>();
            var magic = Vector256.Create(12582912f + 127f);                    // 1.5·2²³ + exponent bias
            var t = x * Vector256.Create(1.44269504088896341f) + magic;
            var n = t - magic;
            var r = x - n * Vector256.Create(0.693359375f) - n * Vector256.Create(-2.12194440e-4f);
            var p = Vector256.Create(1.9875691500e-4f);
            p = p * r + Vector256.Create(1.3981999507e-3f);
            p = p * r + Vector256.Create(8.3334519073e-3f);
            p = p * r + Vector256.Create(4.1665795894e-2f);
            p = p * r + Vector256.Create(1.6666665459e-1f);
            p = p * r + Vector256.Create(5.0000001201e-1f);
            var y = p * (r * r) + r + Vector256<float>.One;
            var scale = Vector256.ShiftLeft(t.AsInt32(), 23).AsSingle();
            return (y * scale).As<float, T>();
        }
        if (typeof(T) == typeof(double))
        {
            var x = v.As<T, double>();
            var magic = Vector256.Create(6755399441055744.0 + 1023.0);           // 1.5·2⁵² + exponent bias
            var t = x * Vector256.Create(1.4426950408889634) + magic;
            var n = t - magic;
            var r = x - n * Vector256.Create(6.93145751953125e-1) - n * Vector256.Create(1.42860682030941723212e-6);
            var p = Vector256.Create(1.0 / 6227020800.0);                      // 1/13!
            p = p * r + Vector256.Create(1.0 / 479001600.0);
            p = p * r + Vector256.Create(1.0 / 39916800.0);
            p = p * r + Vector256.Create(1.0 / 3628800.0);
            p = p * r + Vector256.Create(1.0 / 362880.0);
            p = p * r + Vector256.Create(1.0 / 40320.0);
            p = p * r + Vector256.Create(1.0 / 5040.0);
            p = p * r + Vector256.Create(1.0 / 720.0);
            p = p * r + Vector256.Create(1.0 / 120.0);
            p = p * r + Vector256.Create(1.0 / 24.0);
            p = p * r + Vector256.Create(1.0 / 6.0);
            p = p * r + Vector256.Create(0.5);
            p = p * r + Vector256<double>.One;
            p = p * r + Vector256<double>.One;
            var scale = Vector256.ShiftLeft(t.AsInt64(), 52).AsDouble();
            return (p * scale).As<double, T>();
        }
        var e = v;
        for (int l = 0; l < Vector256<T>.Count; l++) e = e.WithElement(l, T.Exp(v.GetElement(l)));
        return e;
    }
}
