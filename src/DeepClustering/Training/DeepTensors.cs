using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>Small tensor helpers shared by the deep models.</summary>
internal static class DeepTensors
{
    /// <summary>Copies a 2-D tensor (any device, any float dtype) into a float array.</summary>
    public static float[,] ToArray2D(Tensor t)
    {
        using var scope = NewDisposeScope();
        var cpu = t.detach().to(ScalarType.Float32, CPU).contiguous();
        int rows = (int)cpu.shape[0], cols = (int)cpu.shape[1];
        var result = new float[rows, cols];
        var flat = cpu.data<float>().ToArray();
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
        return result;
    }

    /// <summary>Copies a 1-D integer tensor into an int array.</summary>
    public static int[] ToIntArray(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(ScalarType.Int32, CPU).contiguous().data<int>().ToArray();
    }

    /// <summary>
    /// Responsibility-weighted means (K x d) of <paramref name="codes"/> (N x d) under <paramref name="responsibilities"/>
    /// (N x K, one-hot or soft); an empty cluster's mean is 0.
    /// </summary>
    public static Tensor ClusterMeans(Tensor codes, Tensor responsibilities) =>
        responsibilities.t().matmul(codes).div(responsibilities.sum(dim: 0).clamp_min(1e-10).unsqueeze(1));
}
