using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepClustering.Mixtures;

/// <summary>
/// The minimum or maximum across the lanes of a <see cref="Vector256{T}"/>, broadcast to every lane (log2(lanes)
/// shuffles, no branches), shared by the CPU kernels. The operator is a struct type argument, so the JIT specialises
/// each use as if it were written out.
/// </summary>
internal static class LaneReduction
{
    /// <summary>The pairwise operation the reduction folds with.</summary>
    internal interface IOperator
    {
        static abstract Vector256<float> Apply(Vector256<float> a, Vector256<float> b);
        static abstract Vector256<double> Apply(Vector256<double> a, Vector256<double> b);
        static abstract T Apply<T>(T a, T b) where T : IBinaryFloatingPointIeee754<T>;
    }

    /// <summary>Lane minimum (the scalar fallback uses <c>T.Min</c>).</summary>
    internal readonly struct Min : IOperator
    {
        public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => Vector256.MinNative(a, b);
        public static Vector256<double> Apply(Vector256<double> a, Vector256<double> b) => Vector256.MinNative(a, b);
        public static T Apply<T>(T a, T b) where T : IBinaryFloatingPointIeee754<T> => T.Min(a, b);
    }

    /// <summary>Lane maximum (the scalar fallback uses <c>T.MaxNative</c>).</summary>
    internal readonly struct Max : IOperator
    {
        public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => Vector256.MaxNative(a, b);
        public static Vector256<double> Apply(Vector256<double> a, Vector256<double> b) => Vector256.MaxNative(a, b);
        public static T Apply<T>(T a, T b) where T : IBinaryFloatingPointIeee754<T> => T.MaxNative(a, b);
    }

    /// <summary>Folds the lanes of <paramref name="m"/> with <typeparamref name="TOp"/> and broadcasts the result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Spread<T, TOp>(Vector256<T> m)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TOp : struct, IOperator
    {
        if (typeof(T) == typeof(float))
        {
            var f = m.As<T, float>();
            f = TOp.Apply(f, Vector256.Shuffle(f, Vector256.Create(4, 5, 6, 7, 0, 1, 2, 3)));
            f = TOp.Apply(f, Vector256.Shuffle(f, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5)));
            f = TOp.Apply(f, Vector256.Shuffle(f, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)));
            return f.As<float, T>();
        }
        if (typeof(T) == typeof(double))
        {
            var d = m.As<T, double>();
            d = TOp.Apply(d, Vector256.Shuffle(d, Vector256.Create(2L, 3, 0, 1)));
            d = TOp.Apply(d, Vector256.Shuffle(d, Vector256.Create(1L, 0, 3, 2)));
            return d.As<double, T>();
        }
        T folded = m.GetElement(0);
        for (int l = 1; l < Vector256<T>.Count; l++) folded = TOp.Apply(folded, m.GetElement(l));
        return Vector256.Create(folded);
    }
}
