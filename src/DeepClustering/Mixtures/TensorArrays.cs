using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>Copies between tensors and .NET arrays (always through CPU, never aliasing the tensor).</summary>
internal static class TensorArrays
{
    public static double[] ToDouble1D(Tensor t)
    {
        using var scope = NewDisposeScope(); // detach() and to() make handles of their own
        using var c = t.detach().to(ScalarType.Float64, CPU).contiguous();
        return c.data<double>().ToArray();
    }

    public static double[,] ToDouble2D(Tensor t)
    {
        using var scope = NewDisposeScope(); // detach() and to() make handles of their own
        using var c = t.detach().to(ScalarType.Float64, CPU).contiguous();
        var a = new double[t.shape[0], t.shape[1]];
        if (a.Length > 0) Buffer.BlockCopy(c.data<double>().ToArray(), 0, a, 0, a.Length * sizeof(double)); // data<T>() of an empty tensor throws
        return a;
    }

    public static double[,,] ToDouble3D(Tensor t)
    {
        using var scope = NewDisposeScope(); // detach() and to() make handles of their own
        using var c = t.detach().to(ScalarType.Float64, CPU).contiguous();
        var a = new double[t.shape[0], t.shape[1], t.shape[2]];
        if (a.Length > 0) Buffer.BlockCopy(c.data<double>().ToArray(), 0, a, 0, a.Length * sizeof(double));
        return a;
    }

    public static float[,] ToFloat2D(Tensor t)
    {
        using var scope = NewDisposeScope(); // detach() and to() make handles of their own
        using var c = t.detach().to(ScalarType.Float32, CPU).contiguous();
        var a = new float[t.shape[0], t.shape[1]];
        if (a.Length > 0) Buffer.BlockCopy(c.data<float>().ToArray(), 0, a, 0, a.Length * sizeof(float));
        return a;
    }

    /// <summary>A double tensor of the array's shape (any rank), on <paramref name="device"/>.</summary>
    public static Tensor FromArray(Array a, Device device)
    {
        var shape = Enumerable.Range(0, a.Rank).Select(i => (long)a.GetLength(i)).ToArray();
        var flat = new double[a.Length];
        Buffer.BlockCopy(a, 0, flat, 0, flat.Length * sizeof(double));
        using var scope = NewDisposeScope();
        var t = tensor(flat, shape, dtype: ScalarType.Float64);
        return t.to(device).clone().MoveToOuterDisposeScope();
    }

    /// <summary>Array of the tensor's shape (rank 1 to 3) as double.</summary>
    public static Array ToArray(Tensor t)
    {
        if (t.dim() == 0)
        {
            using var one = t.reshape(1);
            return ToDouble1D(one);
        }
        return t.dim() switch { 1 => ToDouble1D(t), 2 => ToDouble2D(t), _ => ToDouble3D(t) };
    }

    public static int[] ToInt(Tensor labels)
    {
        using var scope = NewDisposeScope(); // detach() and to() make handles of their own
        using var c = labels.detach().to(ScalarType.Int32, CPU).contiguous();
        return c.data<int>().ToArray();
    }
}
