using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepClustering.Mixtures;

/// <summary>
/// What the managed covariance kernels (<see cref="FullCovarianceKernel"/>, <see cref="DiagonalCovarianceKernel"/>)
/// share: the fused multiply-add, pooled scratch, the responsibility below which the M-step skips a row, and how
/// many rows their sums run in the working dtype before they are added in double.
/// </summary>
internal static class KernelArithmetic
{
    /// <summary>
    /// Responsibilities at or below these (just above e^−80 and e^−690) are skipped by the M-step kernels, float32
    /// and float64. The E-step floors shifted log-responsibilities at −80 and −690, so a row's share of a component it
    /// is far from is e^−80 = 1.8e-35 or e^−690 = 2.3e-300 divided by a sum of at least 1: a floor, not a measured
    /// weight, and zero in effect. On well-separated data most rows are that far from all but one component, and
    /// skipping them makes the M-step up to K times cheaper. Component sums of responsibilities still include them
    /// (they come from the E-step's normalisation).
    /// </summary>
    private const float FloatSkipBelow = 1.805e-35f;      // e^−80 = 1.8049e-35
    private const double DoubleSkipBelow = 2.31e-300;     // e^−690 = 2.3071e-300

    /// <summary>Rows whose moment sums run in the working dtype before they are added in double.</summary>
    public const int FlushRows = 512;

    /// <summary>The skip threshold of the M-step kernels in <typeparamref name="T"/> (see the constants above).</summary>
    public static T SkipBelow<T>() where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        T.CreateTruncating(typeof(T) == typeof(float) ? FloatSkipBelow : DoubleSkipBelow);

    /// <summary>
    /// A zeroed array of at least <paramref name="length"/> elements from the shared pool: a call per chunk and
    /// worker would otherwise allocate (and collect) large-object-heap arrays on every E-step.
    /// </summary>
    public static TItem[] Rent<TItem>(int length)
    {
        var array = ArrayPool<TItem>.Shared.Rent(length);
        Array.Clear(array, 0, length);
        return array;
    }

    /// <summary>a·b + c, fused where the CPU has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c) where T : unmanaged
    {
        if (Fma.IsSupported)
        {
            if (typeof(T) == typeof(float)) return Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            if (typeof(T) == typeof(double)) return Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }
        return a * b + c;
    }
}
