using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static DeepClustering.Mixtures.KernelArithmetic;

namespace DeepClustering.Mixtures;

/// <summary>
/// The full-covariance E- and M-step arithmetic on CPU in managed SIMD code. The tensor version writes every
/// row's K whitened residuals (n x K·D) to memory and reads them back for the norm, and the M-step writes
/// K x n x D weighted residuals for a batched product: both are bound by memory traffic, not arithmetic. Here the
/// residuals of two rows live in registers (E-step) and the weighted residuals of 64 rows in a cache-sized block
/// (M-step), so each pass reads the rows once. Used for float32 and float64 CPU tensors with up to
/// <see cref="MaxFeatures"/> features when the hardware has 256-bit vectors; other cases keep the tensor path.
/// </summary>
internal static class FullCovarianceKernel
{
    /// <summary>Rows per block: the E-step's rows that reuse a factor from cache, the M-step's scratch of weighted residuals.</summary>
    private const int ScatterBlockRows = 64;

    /// <summary>
    /// Most features the kernels take. Their speed-up over the tensor path shrinks as D grows (single core, float32:
    /// 1.5x at D = 32, 64 and 128), and at D = 256 a BLAS product over the dense factors is about 10% faster.
    /// </summary>
    public const int MaxFeatures = 128;

    /// <summary>Whether the kernels run for <paramref name="features"/> (256-bit vectors in hardware, D up to <see cref="MaxFeatures"/>).</summary>
    public static bool Supports(int features) => Vector256.IsHardwareAccelerated && features <= MaxFeatures;

    /// <summary><paramref name="features"/> rounded up to whole vectors of <typeparamref name="T"/>.</summary>
    public static int PaddedWidth<T>(int features) where T : unmanaged
    {
        int lanes = Vector256<T>.Count;
        return (features + lanes - 1) / lanes * lanes;
    }

    /// <summary>
    /// output[i, k] = constant[k] − ½‖bias_k + x_iᵀ F_k‖² for every row: the log-density of component k when F_k
    /// is its precision Cholesky factor and bias_k = −μ_kᵀ F_k.
    /// </summary>
    /// <param name="x">Rows, each <paramref name="features"/> values followed by <paramref name="stride"/> − features others.</param>
    /// <param name="stride">Distance between rows in <paramref name="x"/>.</param>
    /// <param name="features">D.</param>
    /// <param name="factors">K x D x <paramref name="width"/>: row j of F_k, zero padded to the width.</param>
    /// <param name="width">D rounded up to whole vectors (<see cref="PaddedWidth{T}"/>).</param>
    /// <param name="bias">K x width, zero padded.</param>
    /// <param name="constant">K.</param>
    /// <param name="upper">Whether every F_k is upper triangular (rows below a column block are then skipped).</param>
    /// <param name="output">Rows x K.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LogDensity<T>(ReadOnlySpan<T> x, int stride, int features, ReadOnlySpan<T> factors, int width,
        ReadOnlySpan<T> bias, ReadOnlySpan<T> constant, bool upper, Span<T> output)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = constant.Length, rows = output.Length / k, lanes = Vector256<T>.Count, tile = 4 * lanes;
        int fullTiles = width / tile * tile;
        T minusHalf = T.CreateTruncating(-0.5);
        ref T x0 = ref MemoryMarshal.GetReference(x);
        ref T f0 = ref MemoryMarshal.GetReference(factors);
        ref T b0 = ref MemoryMarshal.GetReference(bias);
        // Two rows at a time share every load of F_k; eight accumulators hold their residuals for four vectors
        // of columns, and each is squared into the norm once complete. Rows go in blocks, components inside, so
        // that a large F_k (256 KB at D = 256) is read from cache by every row of the block.
        for (int blockStart = 0; blockStart < rows; blockStart += ScatterBlockRows)
        for (int c = 0; c < k; c++)
        for (int i = blockStart, blockEnd = Math.Min(rows, blockStart + ScatterBlockRows); i < blockEnd; i += 2)
        {
            bool pair = i + 1 < blockEnd;
            ref T xa = ref Unsafe.Add(ref x0, (nint)i * stride);
            ref T xb = ref pair ? ref Unsafe.Add(ref xa, stride) : ref xa;
            ref T fk = ref Unsafe.Add(ref f0, (nint)c * features * width);
            ref T bk = ref Unsafe.Add(ref b0, (nint)c * width);
            var qa = Vector256<T>.Zero;
            var qb = Vector256<T>.Zero;
            int col = 0;
            for (; col < fullTiles; col += tile)
            {
                var a0 = Vector256.LoadUnsafe(ref bk, (nuint)col);
                var a1 = Vector256.LoadUnsafe(ref bk, (nuint)(col + lanes));
                var a2 = Vector256.LoadUnsafe(ref bk, (nuint)(col + 2 * lanes));
                var a3 = Vector256.LoadUnsafe(ref bk, (nuint)(col + 3 * lanes));
                Vector256<T> c0 = a0, c1 = a1, c2 = a2, c3 = a3;
                // Row j of an upper-triangular F_k is zero left of column j: rows past the tile's first vector
                // touch only the vectors at or right of their diagonal (a quarter to half fewer products; the four
                // loops differ only in the vectors they update, written out so that the accumulators stay in
                // registers: one loop over all four vectors made a float32 EM iteration at D = 32 about 25% slower).
                int end = upper ? Math.Min(features, col + lanes) : features, j = 0;
                for (; j < end; j++)
                {
                    var va = Vector256.Create(Unsafe.Add(ref xa, j));
                    var vb = Vector256.Create(Unsafe.Add(ref xb, j));
                    ref T row = ref Unsafe.Add(ref fk, (nint)j * width + col);
                    var p = Vector256.LoadUnsafe(ref row);
                    a0 = MultiplyAdd(va, p, a0); c0 = MultiplyAdd(vb, p, c0);
                    p = Vector256.LoadUnsafe(ref row, (nuint)lanes);
                    a1 = MultiplyAdd(va, p, a1); c1 = MultiplyAdd(vb, p, c1);
                    p = Vector256.LoadUnsafe(ref row, (nuint)(2 * lanes));
                    a2 = MultiplyAdd(va, p, a2); c2 = MultiplyAdd(vb, p, c2);
                    p = Vector256.LoadUnsafe(ref row, (nuint)(3 * lanes));
                    a3 = MultiplyAdd(va, p, a3); c3 = MultiplyAdd(vb, p, c3);
                }
                for (end = Math.Min(features, col + 2 * lanes); j < end; j++)
                {
                    var va = Vector256.Create(Unsafe.Add(ref xa, j));
                    var vb = Vector256.Create(Unsafe.Add(ref xb, j));
                    ref T row = ref Unsafe.Add(ref fk, (nint)j * width + col);
                    var p = Vector256.LoadUnsafe(ref row, (nuint)lanes);
                    a1 = MultiplyAdd(va, p, a1); c1 = MultiplyAdd(vb, p, c1);
                    p = Vector256.LoadUnsafe(ref row, (nuint)(2 * lanes));
                    a2 = MultiplyAdd(va, p, a2); c2 = MultiplyAdd(vb, p, c2);
                    p = Vector256.LoadUnsafe(ref row, (nuint)(3 * lanes));
                    a3 = MultiplyAdd(va, p, a3); c3 = MultiplyAdd(vb, p, c3);
                }
                for (end = Math.Min(features, col + 3 * lanes); j < end; j++)
                {
                    var va = Vector256.Create(Unsafe.Add(ref xa, j));
                    var vb = Vector256.Create(Unsafe.Add(ref xb, j));
                    ref T row = ref Unsafe.Add(ref fk, (nint)j * width + col);
                    var p = Vector256.LoadUnsafe(ref row, (nuint)(2 * lanes));
                    a2 = MultiplyAdd(va, p, a2); c2 = MultiplyAdd(vb, p, c2);
                    p = Vector256.LoadUnsafe(ref row, (nuint)(3 * lanes));
                    a3 = MultiplyAdd(va, p, a3); c3 = MultiplyAdd(vb, p, c3);
                }
                for (end = Math.Min(features, col + tile); j < end; j++)
                {
                    var p = Vector256.LoadUnsafe(ref Unsafe.Add(ref fk, (nint)j * width + col), (nuint)(3 * lanes));
                    a3 = MultiplyAdd(Vector256.Create(Unsafe.Add(ref xa, j)), p, a3);
                    c3 = MultiplyAdd(Vector256.Create(Unsafe.Add(ref xb, j)), p, c3);
                }
                qa = MultiplyAdd(a0, a0, MultiplyAdd(a1, a1, MultiplyAdd(a2, a2, MultiplyAdd(a3, a3, qa))));
                qb = MultiplyAdd(c0, c0, MultiplyAdd(c1, c1, MultiplyAdd(c2, c2, MultiplyAdd(c3, c3, qb))));
            }
            for (; col < width; col += lanes)
            {
                var a0 = Vector256.LoadUnsafe(ref bk, (nuint)col);
                var c0 = a0;
                int end = upper ? Math.Min(features, col + lanes) : features;
                for (int j = 0; j < end; j++)
                {
                    var p = Vector256.LoadUnsafe(ref Unsafe.Add(ref fk, (nint)j * width + col));
                    a0 = MultiplyAdd(Vector256.Create(Unsafe.Add(ref xa, j)), p, a0);
                    c0 = MultiplyAdd(Vector256.Create(Unsafe.Add(ref xb, j)), p, c0);
                }
                qa = MultiplyAdd(a0, a0, qa);
                qb = MultiplyAdd(c0, c0, qb);
            }
            output[i * k + c] = constant[c] + minusHalf * Vector256.Sum(qa);
            if (pair) output[i * k + k + c] = constant[c] + minusHalf * Vector256.Sum(qb);
        }
    }

    /// <summary>
    /// Adds Σ_i r_ik (x_i − ref_k) to <paramref name="firstMoments"/> (K x D) and Σ_i r_ik (x_i − ref_k)(x_i − ref_k)ᵀ
    /// to <paramref name="secondMoments"/> (K x D x D), both in double. Sums over each 512 rows run in
    /// <typeparamref name="T"/>, as the tensor path's products do over a chunk, and are then added in double.
    /// </summary>
    /// <param name="x">Rows, each <paramref name="features"/> values followed by <paramref name="stride"/> − features others.</param>
    /// <param name="stride">Distance between rows in <paramref name="x"/>.</param>
    /// <param name="features">D.</param>
    /// <param name="responsibilities">Rows x K, non-negative.</param>
    /// <param name="reference">Reference points ref_k (K x D), or empty for zero.</param>
    /// <param name="firstMoments">K x D accumulator.</param>
    /// <param name="secondMoments">K x D x D accumulator.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScatter<T>(ReadOnlySpan<T> x, int stride, int features, ReadOnlySpan<T> responsibilities, ReadOnlySpan<T> reference,
        Span<double> firstMoments, Span<double> secondMoments)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = firstMoments.Length / features, rows = responsibilities.Length / k, d = features;
        int lanes = Vector256<T>.Count, width = PaddedWidth<T>(d);
        // Square blocks of four rows of the scatter: its height is a multiple of four for both lane counts.
        int height = (d + 3) / 4 * 4;
        T skipBelow = SkipBelow<T>();
        var scatter = Rent<T>(k * height * width);  // upper block triangle of each component, in T
        var first = Rent<T>(k * width);
        var scatterSums = Rent<double>(k * height * width);  // the same in double, flushed every FlushRows rows
        var firstSums = Rent<double>(k * width);
        var rowsBlock = Rent<T>(ScatterBlockRows * width);  // the block's rows, zero padded to the width
        var block = Rent<T>(ScatterBlockRows * width);  // √r (x − ref) for one component, zero padded
        var referencePadded = Rent<T>(k * width);
        if (!reference.IsEmpty)
            for (int c = 0; c < k; c++) reference.Slice(c * d, d).CopyTo(referencePadded.AsSpan(c * width));
        for (int start = 0; start < rows; start += ScatterBlockRows)
        {
            int n = Math.Min(ScatterBlockRows, rows - start);
            for (int i = 0; i < n; i++) x.Slice((start + i) * stride, d).CopyTo(rowsBlock.AsSpan(i * width));
            for (int c = 0; c < k; c++)
            {
                ref T refK = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(referencePadded), c * width);
                ref T firstK = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(first), c * width);
                ref T rowsK = ref MemoryMarshal.GetArrayDataReference(rowsBlock);
                ref T blockK = ref MemoryMarshal.GetArrayDataReference(block);
                ref T rK = ref Unsafe.Add(ref MemoryMarshal.GetReference(responsibilities), (nint)start * k + c);
                int kept = 0;
                for (int i = 0; i < n; i++)
                {
                    T r = Unsafe.Add(ref rK, (nint)i * k);
                    if (r <= skipBelow) continue;
                    var rv = Vector256.Create(r);
                    var sv = Vector256.Create(T.Sqrt(r));
                    for (int v = 0; v < width; v += lanes)
                    {
                        var e = Vector256.LoadUnsafe(ref rowsK, (nuint)(i * width + v)) - Vector256.LoadUnsafe(ref refK, (nuint)v);
                        MultiplyAdd(rv, e, Vector256.LoadUnsafe(ref firstK, (nuint)v)).StoreUnsafe(ref firstK, (nuint)v);
                        (sv * e).StoreUnsafe(ref blockK, (nuint)(kept * width + v));
                    }
                    kept++;
                }
                AddGram(block, kept, width, height, scatter.AsSpan((int)((long)c * height * width), height * width));
            }
            // Into double every FlushRows rows: sums in T then run over 512 rows at most, which keeps float32
            // scatters of nearly constant features as accurate as the tensor path's chunked products.
            if ((start + n) % FlushRows == 0 || start + n == rows)
            {
                LloydKernel.AddRow<T>(scatter.AsSpan(0, k * height * width), scatterSums);
                LloydKernel.AddRow<T>(first.AsSpan(0, k * width), firstSums);
                Array.Clear(scatter, 0, k * height * width);
                Array.Clear(first, 0, k * width);
            }
        }
        // The upper triangle into the caller's accumulators, mirrored (tiles below the diagonal are never formed).
        for (int c = 0; c < k; c++)
        {
            var sumsK = scatterSums.AsSpan(c * height * width, height * width);
            var target = secondMoments.Slice(c * d * d, d * d);
            for (int a = 0; a < d; a++)
            {
                firstMoments[c * d + a] += firstSums[c * width + a];
                target[a * d + a] += sumsK[a * width + a];
                for (int b = a + 1; b < d; b++)
                {
                    double v = sumsK[a * width + b];
                    target[a * d + b] += v;
                    target[b * d + a] += v;
                }
            }
        }
        ArrayPool<T>.Shared.Return(scatter); ArrayPool<T>.Shared.Return(first); ArrayPool<T>.Shared.Return(rowsBlock);
        ArrayPool<T>.Shared.Return(block); ArrayPool<T>.Shared.Return(referencePadded);
        ArrayPool<double>.Shared.Return(scatterSums); ArrayPool<double>.Shared.Return(firstSums);
    }

    /// <summary>
    /// scatter += Wᵀ W over the first <paramref name="n"/> rows of <paramref name="w"/>, for the 4-row by
    /// 2-vector tiles that touch the upper triangle: eight accumulators stay in registers over the rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddGram<T>(ReadOnlySpan<T> w, int n, int width, int height, Span<T> scatter)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int lanes = Vector256<T>.Count;
        ref T w0 = ref MemoryMarshal.GetReference(w);
        ref T s0 = ref MemoryMarshal.GetReference(scatter);
        for (int col = 0; col < width; col += 2 * lanes)
        {
            bool two = col + lanes < width;
            int rowsEnd = Math.Min(height, col + 2 * lanes);     // tiles wholly below the diagonal are skipped
            for (int r0 = 0; r0 < rowsEnd; r0 += 4)
            {
                ref T t = ref Unsafe.Add(ref s0, (nint)r0 * width + col);
                var a0 = Vector256.LoadUnsafe(ref t);
                var a1 = Vector256.LoadUnsafe(ref t, (nuint)width);
                var a2 = Vector256.LoadUnsafe(ref t, (nuint)(2 * width));
                var a3 = Vector256.LoadUnsafe(ref t, (nuint)(3 * width));
                if (two)
                {
                    var b0 = Vector256.LoadUnsafe(ref t, (nuint)lanes);
                    var b1 = Vector256.LoadUnsafe(ref t, (nuint)(width + lanes));
                    var b2 = Vector256.LoadUnsafe(ref t, (nuint)(2 * width + lanes));
                    var b3 = Vector256.LoadUnsafe(ref t, (nuint)(3 * width + lanes));
                    for (int i = 0; i < n; i++)
                    {
                        ref T wi = ref Unsafe.Add(ref w0, (nint)i * width);
                        var p = Vector256.LoadUnsafe(ref wi, (nuint)col);
                        var q = Vector256.LoadUnsafe(ref wi, (nuint)(col + lanes));
                        var h = Vector256.Create(Unsafe.Add(ref wi, r0));
                        a0 = MultiplyAdd(h, p, a0); b0 = MultiplyAdd(h, q, b0);
                        h = Vector256.Create(Unsafe.Add(ref wi, r0 + 1));
                        a1 = MultiplyAdd(h, p, a1); b1 = MultiplyAdd(h, q, b1);
                        h = Vector256.Create(Unsafe.Add(ref wi, r0 + 2));
                        a2 = MultiplyAdd(h, p, a2); b2 = MultiplyAdd(h, q, b2);
                        h = Vector256.Create(Unsafe.Add(ref wi, r0 + 3));
                        a3 = MultiplyAdd(h, p, a3); b3 = MultiplyAdd(h, q, b3);
                    }
                    b0.StoreUnsafe(ref t, (nuint)lanes);
                    b1.StoreUnsafe(ref t, (nuint)(width + lanes));
                    b2.StoreUnsafe(ref t, (nuint)(2 * width + lanes));
                    b3.StoreUnsafe(ref t, (nuint)(3 * width + lanes));
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        ref T wi = ref Unsafe.Add(ref w0, (nint)i * width);
                        var p = Vector256.LoadUnsafe(ref wi, (nuint)col);
                        a0 = MultiplyAdd(Vector256.Create(Unsafe.Add(ref wi, r0)), p, a0);
                        a1 = MultiplyAdd(Vector256.Create(Unsafe.Add(ref wi, r0 + 1)), p, a1);
                        a2 = MultiplyAdd(Vector256.Create(Unsafe.Add(ref wi, r0 + 2)), p, a2);
                        a3 = MultiplyAdd(Vector256.Create(Unsafe.Add(ref wi, r0 + 3)), p, a3);
                    }
                }
                a0.StoreUnsafe(ref t);
                a1.StoreUnsafe(ref t, (nuint)width);
                a2.StoreUnsafe(ref t, (nuint)(2 * width));
                a3.StoreUnsafe(ref t, (nuint)(3 * width));
            }
        }
    }
}
