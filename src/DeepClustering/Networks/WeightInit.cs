using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepClustering.Networks;

/// <summary>
/// Weight initialisers that draw only from a caller's generator (never TorchSharp's global RNG), so the same seed
/// gives the same weights, also when two fits run at once. Tensors must live on the CPU (the generator's device);
/// build modules on the CPU and move them afterwards.
/// </summary>
public static class WeightInit
{
    /// <summary>Slope used by <see cref="ActivationKind.LeakyReLU"/>.</summary>
    public const double LeakySlope = 0.2;

    /// <summary>Fills <paramref name="tensor"/> with values uniform in [-bound, bound].</summary>
    public static void Uniform(Tensor tensor, double bound, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var noGrad = no_grad();
        tensor.uniform_(-bound, bound, generator);
    }

    /// <summary>Glorot (Xavier) uniform: bound √(6/(fanIn+fanOut)).</summary>
    public static void GlorotUniform(Tensor weight, long fanIn, long fanOut, Generator generator)
        => Uniform(weight, Math.Sqrt(6.0 / Math.Max(1, fanIn + fanOut)), generator);

    /// <summary>PyTorch's default layer initialisation (Kaiming uniform with a = √5): bound 1/√fanIn.</summary>
    public static void PyTorchDefault(Tensor tensor, long fanIn, Generator generator)
        => Uniform(tensor, fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0.0, generator);

    /// <summary>
    /// Initialises a weight and its bias by <paramref name="kind"/>: Glorot gives zero biases, the PyTorch default
    /// draws the bias uniform in ±1/√fanIn. A null generator leaves zeros (for modules whose state is loaded next).
    /// </summary>
    public static void Initialize(Tensor weight, Tensor? bias, long fanIn, long fanOut, WeightInitKind kind, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(weight);
        using var noGrad = no_grad();
        if (generator is null)
        {
            weight.zero_();
            bias?.zero_();
            return;
        }
        if (kind == WeightInitKind.GlorotUniform)
        {
            GlorotUniform(weight, fanIn, fanOut, generator);
            bias?.zero_();
        }
        else
        {
            PyTorchDefault(weight, fanIn, generator);
            if (bias is not null) PyTorchDefault(bias, fanIn, generator);
        }
    }

    /// <summary>A linear layer (<c>out x in</c> weight) on the CPU initialised from <paramref name="generator"/>.</summary>
    public static TorchSharp.Modules.Linear Linear(long inputs, long outputs, WeightInitKind kind, Generator? generator, bool bias = true)
    {
        var w = empty(outputs, inputs);
        var b = bias ? empty(outputs) : null;
        Initialize(w, b, inputs, outputs, kind, generator);
        return nn.Linear(new Parameter(w), b is null ? null : new Parameter(b));
    }

    // A long-lived scalar: implicit ones are freed by finalizer, possibly while a native call still reads them.
    private static readonly Scalar LeakySlopeScalar = LeakySlope.ToScalar();

    /// <summary>Applies the hidden activation, in place when <paramref name="inPlace"/> (safe right after a layer).</summary>
    public static Tensor Activate(Tensor x, ActivationKind kind, bool inPlace = true) => kind switch
    {
        ActivationKind.LeakyReLU => inPlace ? x.leaky_relu_(LeakySlopeScalar) : x.leaky_relu(LeakySlopeScalar),
        _ => inPlace ? x.relu_() : x.relu(),
    };
}
