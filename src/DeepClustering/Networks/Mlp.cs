using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepClustering.Networks;

/// <summary>
/// A stack of fully connected layers with a hidden activation after every layer but the last; the last layer is
/// linear, or tanh when <c>tanhOutput</c> is set. Build it on the CPU (the generator's device), then move it.
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> layers;
    private readonly ActivationKind activation;
    private readonly bool tanhOutput;

    /// <summary>Creates the network.</summary>
    /// <param name="sizes">Layer widths including input and output, e.g. [784, 500, 500, 2000, 10]; at least two.</param>
    /// <param name="activation">Hidden activation.</param>
    /// <param name="init">Weight initialisation.</param>
    /// <param name="generator">Generator for the initial weights; null leaves zeros (state loaded later).</param>
    /// <param name="tanhOutput">Whether the output goes through tanh.</param>
    public Mlp(IReadOnlyList<int> sizes, ActivationKind activation, WeightInitKind init, Generator? generator, bool tanhOutput = false)
        : base(nameof(Mlp))
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Count < 2) throw new ArgumentException("an MLP needs at least an input and an output size.", nameof(sizes));
        if (sizes.Any(s => s < 1)) throw new ArgumentException($"layer sizes must be ≥ 1; got [{string.Join(", ", sizes)}].", nameof(sizes));
        Sizes = sizes.ToArray();
        this.activation = activation;
        this.tanhOutput = tanhOutput;
        layers = new ModuleList<Linear>();
        for (int i = 0; i + 1 < sizes.Count; i++) layers.Add(WeightInit.Linear(sizes[i], sizes[i + 1], init, generator));
        RegisterComponents();
    }

    /// <summary>Layer widths including input and output.</summary>
    public IReadOnlyList<int> Sizes { get; }

    /// <summary>Runs the network on a batch (B x input size).</summary>
    public override Tensor forward(Tensor input)
    {
        var x = input;
        for (int i = 0; i < layers.Count; i++)
        {
            x = layers[i].forward(x);
            if (i + 1 < layers.Count) x = WeightInit.Activate(x, activation);
            else if (tanhOutput) x = x.tanh_();
        }
        return x;
    }
}
