using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static DeepClustering.Mixtures.KernelArithmetic;

namespace DeepClustering.Mixtures;

/// <summary>
/// One maximum-likelihood E-step for diagonal (and spherical) components on CPU, fused with the sufficient
/// statistics it feeds, in managed SIMD code. The tensor path makes three passes over memory per chunk: a BLAS
/// product for the n x K log-densities, the row normalisation, and a second product Rᵀ·[x, x²]. Here each 64-row
/// block is copied once into cache (whole rows, in order: reading only the x half of each augmented row was three
/// times slower from memory) and then gets its log-densities in register tiles, its responsibilities a vector of
/// rows at a time, and its moments, for which a row adds only to the components it is not at the E-step's floor for
/// (usually one or two on separated data).
/// </summary>
internal static class DiagonalCovarianceKernel
{
    /// <summary>Rows evaluated, normalised and accumulated together while they are in cache.</summary>
    private const int BlockRows = 64;

    /// <summary>
    /// Largest K·D the kernel takes: its weights and moment sums (four K x D arrays) then stay in the core's L2
    /// cache (256 KB in float32); larger problems keep the BLAS path.
    /// </summary>
    public const int MaxComponentFeatures = 16_384;

    /// <summary>Whether the kernel runs for K components of D features (256-bit vectors in hardware, K·D bounded).</summary>
    public static bool Supports(int components, int features) =>
        Vector256.IsHardwareAccelerated && (long)components * features <= MaxComponentFeatures;

    /// <summary>K rounded up to a whole pair of vectors of <typeparamref name="T"/> (the log-density tile's width).</summary>
    public static int PaddedComponents<T>(int components) where T : unmanaged
    {
        int pair = 2 * Vector256<T>.Count;
        return (components + pair - 1) / pair * pair;
    }

    /// <summary>
    /// For every row: w_k = constant_k + Σ_d x_d (linear_dk + x_d quadratic_dk), the weighted log-density, turned
    /// into responsibilities r_k; adds Σ r_k to <paramref name="responsibilitySums"/>, Σ r_k x and Σ r_k x² to the
    /// moments (in double, after sums over at most 512 rows in <typeparamref name="T"/>), each row's hard cluster to
    /// <paramref name="sizes"/> when it is not empty, and returns Σ log p(x).
    /// </summary>
    /// <param name="x">Rows, each <paramref name="features"/> values followed by <paramref name="stride"/> − features others.</param>
    /// <param name="stride">Distance between rows in <paramref name="x"/>.</param>
    /// <param name="features">D.</param>
    /// <param name="linear">D x <see cref="PaddedComponents{T}"/>: μ_kd / σ²_kd, zero padded.</param>
    /// <param name="quadratic">D x padded K: −½ / σ²_kd, zero padded.</param>
    /// <param name="constant">Padded K: the rest of the log-density and the log weight.</param>
    /// <param name="components">K.</param>
    /// <param name="floor">The E-step's floor of shifted log-responsibilities (−80 in float32, −690 in float64).</param>
    /// <param name="responsibilitySums">K accumulator.</param>
    /// <param name="firstMoments">K x D accumulator.</param>
    /// <param name="secondMoments">K x D accumulator.</param>
    /// <param name="sizes">K counts of rows per arg-max component, or empty.</param>
    // Compiled on its own (not inlined into the engine's generic caller), so its register tiles are allocated alone.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static double Accumulate<T>(ReadOnlySpan<T> x, int stride, int features, ReadOnlySpan<T> linear, ReadOnlySpan<T> quadratic,
        ReadOnlySpan<T> constant, int components, T floor, Span<double> responsibilitySums, Span<double> firstMoments,
        Span<double> secondMoments, Span<long> sizes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = components, d = features, padded = constant.Length, rows = (x.Length + stride - features) / stride;
        var block = Rent<T>(BlockRows * stride);         // the block's rows
        var w = Rent<T>(BlockRows * padded);            // their log-densities, rows x padded K
        var r = Rent<T>(k * BlockRows);                 // the same transposed (K x rows), then responsibilities
        var first = Rent<T>(k * d);                     // moment sums in T, flushed every FlushRows rows
        var second = Rent<T>(k * d);
        var kept = Rent<int>(BlockRows);                // one component's rows above the floor, and their weights
        var keptWeights = Rent<T>(BlockRows);
        // Sums and sizes of this call gather in arrays of its own and reach the caller's (one worker's) once, at the end.
        var counts = Rent<double>(k);
        var hardSizes = Rent<long>(k);
        double total = 0;
        for (int start = 0; start < rows; start += BlockRows)
        {
            int n = Math.Min(BlockRows, rows - start);
            x.Slice(start * stride, Math.Min(n * stride, x.Length - start * stride)).CopyTo(block);
            LogDensities<T>(block, stride, d, n, linear, quadratic, constant, w);
            Transpose(w, n, padded, k, r);
            total += Normalize(r, k, n, floor, counts, sizes.IsEmpty ? Span<long>.Empty : hardSizes);
            AddMoments<T>(block, stride, d, n, r, k, first, second, kept, keptWeights);
            if ((start + n) % FlushRows == 0 || start + n == rows)
            {
                LloydKernel.AddRow<T>(first.AsSpan(0, k * d), firstMoments);
                LloydKernel.AddRow<T>(second.AsSpan(0, k * d), secondMoments);
                Array.Clear(first, 0, k * d);
                Array.Clear(second, 0, k * d);
            }
        }
        for (int c = 0; c < k; c++) responsibilitySums[c] += counts[c];
        if (!sizes.IsEmpty) for (int c = 0; c < k; c++) sizes[c] += hardSizes[c];
        ArrayPool<T>.Shared.Return(block); ArrayPool<T>.Shared.Return(w); ArrayPool<T>.Shared.Return(r);
        ArrayPool<T>.Shared.Return(first); ArrayPool<T>.Shared.Return(second); ArrayPool<int>.Shared.Return(kept);
        ArrayPool<T>.Shared.Return(keptWeights); ArrayPool<double>.Shared.Return(counts); ArrayPool<long>.Shared.Return(hardSizes);
        return total;
    }

    /// <summary>
    /// output[i, :] = constant + Σ_d x_id (linear_d + x_id quadratic_d) for n rows, in tiles of four rows by two
    /// vectors of components: eight accumulators stay in registers over the features, and each weight load serves
    /// four rows. The form costs two multiply-adds per term without squaring x.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LogDensities<T>(ReadOnlySpan<T> x, int stride, int d, int n, ReadOnlySpan<T> linear, ReadOnlySpan<T> quadratic,
        ReadOnlySpan<T> constant, Span<T> output)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int lanes = Vector256<T>.Count, padded = constant.Length;
        ref T x0 = ref MemoryMarshal.GetReference(x);
        ref T l0 = ref MemoryMarshal.GetReference(linear);
        ref T q0 = ref MemoryMarshal.GetReference(quadratic);
        ref T c0 = ref MemoryMarshal.GetReference(constant);
        ref T o0 = ref MemoryMarshal.GetReference(output);
        for (int col = 0; col < padded; col += 2 * lanes)
        {
            var ca = Vector256.LoadUnsafe(ref c0, (nuint)col);
            var cb = Vector256.LoadUnsafe(ref c0, (nuint)(col + lanes));
            for (int i = 0; i < n; i += 4)
            {
                // A short last tile repeats its last row rather than reading past the block; only real rows are stored.
                ref T xa = ref Unsafe.Add(ref x0, (nint)i * stride);
                ref T xb = ref Unsafe.Add(ref x0, (nint)Math.Min(i + 1, n - 1) * stride);
                ref T xc = ref Unsafe.Add(ref x0, (nint)Math.Min(i + 2, n - 1) * stride);
                ref T xd = ref Unsafe.Add(ref x0, (nint)Math.Min(i + 3, n - 1) * stride);
                Vector256<T> a0 = ca, a1 = cb, b0 = ca, b1 = cb, e0 = ca, e1 = cb, f0 = ca, f1 = cb;
                for (int j = 0; j < d; j++)
                {
                    nuint at = (nuint)(j * padded + col);
                    var la = Vector256.LoadUnsafe(ref l0, at);
                    var lb = Vector256.LoadUnsafe(ref l0, at + (nuint)lanes);
                    var qa = Vector256.LoadUnsafe(ref q0, at);
                    var qb = Vector256.LoadUnsafe(ref q0, at + (nuint)lanes);
                    var v = Vector256.Create(Unsafe.Add(ref xa, j));
                    a0 = MultiplyAdd(v, MultiplyAdd(v, qa, la), a0); a1 = MultiplyAdd(v, MultiplyAdd(v, qb, lb), a1);
                    v = Vector256.Create(Unsafe.Add(ref xb, j));
                    b0 = MultiplyAdd(v, MultiplyAdd(v, qa, la), b0); b1 = MultiplyAdd(v, MultiplyAdd(v, qb, lb), b1);
                    v = Vector256.Create(Unsafe.Add(ref xc, j));
                    e0 = MultiplyAdd(v, MultiplyAdd(v, qa, la), e0); e1 = MultiplyAdd(v, MultiplyAdd(v, qb, lb), e1);
                    v = Vector256.Create(Unsafe.Add(ref xd, j));
                    f0 = MultiplyAdd(v, MultiplyAdd(v, qa, la), f0); f1 = MultiplyAdd(v, MultiplyAdd(v, qb, lb), f1);
                }
                ref T o = ref Unsafe.Add(ref o0, (nint)i * padded + col);
                a0.StoreUnsafe(ref o); a1.StoreUnsafe(ref o, (nuint)lanes);
                if (i + 1 < n) { b0.StoreUnsafe(ref o, (nuint)padded); b1.StoreUnsafe(ref o, (nuint)(padded + lanes)); }
                if (i + 2 < n) { e0.StoreUnsafe(ref o, (nuint)(2 * padded)); e1.StoreUnsafe(ref o, (nuint)(2 * padded + lanes)); }
                if (i + 3 < n) { f0.StoreUnsafe(ref o, (nuint)(3 * padded)); f1.StoreUnsafe(ref o, (nuint)(3 * padded + lanes)); }
            }
        }
    }

    /// <summary>
    /// r[c, i] = w[i, c] for the block's n rows and K components; the lanes past n in the last vector of rows repeat
    /// row n − 1 (finite values, masked out by the normalisation).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose<T>(T[] w, int n, int padded, int k, T[] r) where T : unmanaged
    {
        int lanes = Vector256<T>.Count, end = (n + lanes - 1) / lanes * lanes;
        ref T w0 = ref MemoryMarshal.GetArrayDataReference(w);
        ref T r0 = ref MemoryMarshal.GetArrayDataReference(r);
        for (int i = 0; i < end; i++)
        {
            ref T wi = ref Unsafe.Add(ref w0, (nint)Math.Min(i, n - 1) * padded);
            for (int c = 0; c < k; c++) Unsafe.Add(ref r0, (nint)c * BlockRows + i) = Unsafe.Add(ref wi, c);
        }
    }

    /// <summary>
    /// Turns the block's log-densities (K x rows) into responsibilities in place, a vector of rows at a time, so that
    /// the maximum, the sum and the scaling run across components with no reduction inside a vector: exp(max(w −
    /// max, floor)) / Σ. Lanes past n become zero. Adds Σ r per component (in double) and the hard sizes, and returns
    /// Σ log p(x) = Σ (max + log Σ): the log of a vector's product of sums over the block (at most K^16, within
    /// range), eight (or four) scalar logarithms per block instead of one per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Normalize<T>(T[] r, int k, int n, T floor, Span<double> responsibilitySums, Span<long> sizes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int lanes = Vector256<T>.Count, groups = (n + lanes - 1) / lanes;
        ref T r0 = ref MemoryMarshal.GetArrayDataReference(r);
        var floorV = Vector256.Create(floor);
        var one = Vector256<T>.One;
        var product = one;
        var maxSum = Vector256<T>.Zero;
        var lanesV = typeof(T) == typeof(float)
            ? Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f).As<float, T>()
            : Vector256.Create(0.0, 1.0, 2.0, 3.0).As<double, T>();
        for (int g = 0; g < groups; g++)
        {
            ref T rg = ref Unsafe.Add(ref r0, g * lanes);
            var valid = n - g * lanes >= lanes ? Vector256<T>.AllBitsSet : Vector256.LessThan(lanesV, Vector256.Create(T.CreateTruncating(n - g * lanes)));
            uint validBits = valid.ExtractMostSignificantBits();
            var max = Vector256.LoadUnsafe(ref rg);
            for (int c = 1; c < k; c++) max = Vector256.MaxNative(max, Vector256.LoadUnsafe(ref rg, (nuint)(c * BlockRows)));
            var sum = Vector256<T>.Zero;
            for (int c = 0; c < k; c++)
            {
                var e = ResponsibilityKernel.Exp(Vector256.MaxNative(Vector256.LoadUnsafe(ref rg, (nuint)(c * BlockRows)) - max, floorV));
                e.StoreUnsafe(ref rg, (nuint)(c * BlockRows));
                sum += e;
                // exp(0) is exactly 1: the row's largest component (ties count in each).
                if (!sizes.IsEmpty) sizes[c] += BitOperations.PopCount(Vector256.Equals(e, one).ExtractMostSignificantBits() & validBits);
            }
            var scale = Vector256.BitwiseAnd(one / sum, valid);
            for (int c = 0; c < k; c++)
            {
                var v = Vector256.LoadUnsafe(ref rg, (nuint)(c * BlockRows)) * scale;
                v.StoreUnsafe(ref rg, (nuint)(c * BlockRows));
            }
            product *= Vector256.ConditionalSelect(valid, sum, one);
            maxSum += Vector256.BitwiseAnd(max, valid);
        }
        // Responsibility sums per component: the block's rows in T (at most 64 values of at most 1), then in double.
        for (int c = 0; c < k; c++)
        {
            ref T rc = ref Unsafe.Add(ref r0, c * BlockRows);
            var acc = Vector256.LoadUnsafe(ref rc);
            for (int g = 1; g < groups; g++) acc += Vector256.LoadUnsafe(ref rc, (nuint)(g * lanes));
            responsibilitySums[c] += double.CreateTruncating(Vector256.Sum(acc));
        }
        double total = double.CreateTruncating(Vector256.Sum(maxSum));
        for (int l = 0; l < lanes; l++) total += Math.Log(double.CreateTruncating(product.GetElement(l)));
        return total;
    }

    /// <summary>
    /// first[k, :] += r_ik x_i and second[k, :] += r_ik x_i² for the block's rows whose responsibility is above the
    /// E-step's floor: each component's kept rows are listed once, then summed in register tiles of two vectors of
    /// features (usually one or two components per row on separated data, so most of the K x rows pairs cost nothing).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddMoments<T>(ReadOnlySpan<T> x, int stride, int d, int n, T[] responsibilities, int k, T[] first, T[] second,
        int[] kept, T[] keptWeights)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int lanes = Vector256<T>.Count, groups = (n + lanes - 1) / lanes;
        var skip = Vector256.Create(SkipBelow<T>());
        ref T r0 = ref MemoryMarshal.GetArrayDataReference(responsibilities);
        for (int c = 0; c < k; c++)
        {
            ref T rc = ref Unsafe.Add(ref r0, c * BlockRows);
            int count = 0;
            for (int g = 0; g < groups; g++)
            {
                // Lanes past n hold zero responsibilities and are never kept.
                uint bits = Vector256.GreaterThan(Vector256.LoadUnsafe(ref rc, (nuint)(g * lanes)), skip).ExtractMostSignificantBits();
                while (bits != 0)
                {
                    int i = g * lanes + BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    kept[count] = i;
                    keptWeights[count++] = Unsafe.Add(ref rc, i);
                }
            }
            if (count > 0) AddRows(x, stride, d, kept.AsSpan(0, count), keptWeights, first.AsSpan(c * d, d), second.AsSpan(c * d, d));
        }
    }

    /// <summary>s += Σ_q w_q x_{rows[q]} and t += Σ_q w_q x_{rows[q]}², with four vectors of sums in registers over the rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRows<T>(ReadOnlySpan<T> x, int stride, int d, ReadOnlySpan<int> rows, T[] weights, Span<T> s, Span<T> t)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int lanes = Vector256<T>.Count, count = rows.Length, j = 0;
        ref T x0 = ref MemoryMarshal.GetReference(x);
        ref T w0 = ref MemoryMarshal.GetArrayDataReference(weights);
        ref T s0 = ref MemoryMarshal.GetReference(s);
        ref T t0 = ref MemoryMarshal.GetReference(t);
        for (; j + 2 * lanes <= d; j += 2 * lanes)
        {
            var a0 = Vector256.LoadUnsafe(ref s0, (nuint)j);
            var a1 = Vector256.LoadUnsafe(ref s0, (nuint)(j + lanes));
            var b0 = Vector256.LoadUnsafe(ref t0, (nuint)j);
            var b1 = Vector256.LoadUnsafe(ref t0, (nuint)(j + lanes));
            for (int q = 0; q < count; q++)
            {
                ref T xi = ref Unsafe.Add(ref x0, (nint)rows[q] * stride + j);
                var rv = Vector256.Create(Unsafe.Add(ref w0, q));
                var v0 = Vector256.LoadUnsafe(ref xi);
                var v1 = Vector256.LoadUnsafe(ref xi, (nuint)lanes);
                var p0 = rv * v0;
                var p1 = rv * v1;
                a0 += p0; a1 += p1;
                b0 = MultiplyAdd(p0, v0, b0); b1 = MultiplyAdd(p1, v1, b1);
            }
            a0.StoreUnsafe(ref s0, (nuint)j); a1.StoreUnsafe(ref s0, (nuint)(j + lanes));
            b0.StoreUnsafe(ref t0, (nuint)j); b1.StoreUnsafe(ref t0, (nuint)(j + lanes));
        }
        for (; j + lanes <= d; j += lanes)
        {
            var a0 = Vector256.LoadUnsafe(ref s0, (nuint)j);
            var b0 = Vector256.LoadUnsafe(ref t0, (nuint)j);
            for (int q = 0; q < count; q++)
            {
                var v0 = Vector256.LoadUnsafe(ref Unsafe.Add(ref x0, (nint)rows[q] * stride + j));
                var p0 = Vector256.Create(Unsafe.Add(ref w0, q)) * v0;
                a0 += p0;
                b0 = MultiplyAdd(p0, v0, b0);
            }
            a0.StoreUnsafe(ref s0, (nuint)j); b0.StoreUnsafe(ref t0, (nuint)j);
        }
        for (; j < d; j++)
        {
            T a = s[j], b = t[j];
            for (int q = 0; q < count; q++)
            {
                T v = Unsafe.Add(ref x0, (nint)rows[q] * stride + j), p = Unsafe.Add(ref w0, q) * v;
                a += p;
                b += p * v;
            }
            s[j] = a;
            t[j] = b;
        }
    }
}
