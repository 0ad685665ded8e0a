using static TorchSharp.torch;

namespace DeepClustering.Core;

/// <summary>
/// All randomness of one fit: a CPU <see cref="Generator"/> for tensor sampling and a <see cref="Random"/> for
/// managed code, both derived from the options' seed. The library never touches TorchSharp's global RNG, so
/// two fits on two threads do not disturb each other and the same seed gives the same result on CPU.
/// Random tensors are drawn on CPU and then moved, so CPU and CUDA runs see the same numbers.
/// </summary>
public sealed class RandomSource : IDisposable
{
    /// <summary>The seed actually used (drawn at random when the options' seed is null).</summary>
    public int Seed { get; }

    /// <summary>Generator for tensor sampling (CPU).</summary>
    public Generator Generator { get; }

    /// <summary>Managed random numbers.</summary>
    public Random Random { get; }

    /// <summary>Creates the source; a null seed draws one.</summary>
    public RandomSource(int? seed)
    {
        Seed = seed ?? System.Random.Shared.Next();
        Generator = new Generator((ulong)(uint)Seed, CPU);
        Random = new Random(Seed);
    }

    /// <summary>A child source with a derived seed (for restarts), independent of how much the parent drew.</summary>
    public RandomSource Derive(int stream) => new(unchecked(Seed * 1_000_003 + stream * 7919 + 17));

    /// <summary>Uniform [0,1) values of the given shape on <paramref name="device"/>.</summary>
    public Tensor Uniform(long[] shape, Device device, ScalarType dtype = ScalarType.Float32)
    {
        var t = empty(shape, dtype: dtype).uniform_(0, 1, Generator);
        if (device.type == TorchSharp.DeviceType.CPU) return t;
        using (t) return t.to(device);
    }

    /// <summary>Standard normal values of the given shape on <paramref name="device"/>.</summary>
    public Tensor Normal(long[] shape, Device device, ScalarType dtype = ScalarType.Float32)
    {
        var t = empty(shape, dtype: dtype).normal_(0, 1, Generator);
        if (device.type == TorchSharp.DeviceType.CPU) return t;
        using (t) return t.to(device);
    }

    /// <summary>A random permutation of 0..n-1 (int64) on <paramref name="device"/>.</summary>
    public Tensor Permutation(long n, Device device)
    {
        var t = randperm(n, generator: Generator);
        if (device.type == TorchSharp.DeviceType.CPU) return t;
        using (t) return t.to(device);
    }

    /// <summary>Disposes the generator.</summary>
    public void Dispose() => Generator.Dispose();
}
