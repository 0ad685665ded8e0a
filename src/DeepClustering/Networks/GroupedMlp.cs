using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepClustering.Networks;

/// <summary>
/// K independent MLPs of identical shape run as one stack of <see cref="GroupedLinear"/> layers. Input [B, in]
/// (shared) or [K, B, in]; output [K, B, out]. Hidden activation after every layer but the last; optional tanh output.
/// </summary>
public sealed class GroupedMlp : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<GroupedLinear> layers;
    private readonly ActivationKind activation;
    private readonly bool tanhOutput;

    /// <summary>Creates the K networks on the CPU.</summary>
    /// <param name="groups">Number of networks K.</param>
    /// <param name="sizes">Layer widths including input and output (at least two).</param>
    /// <param name="activation">Hidden activation.</param>
    /// <param name="init">Weight initialisation.</param>
    /// <param name="generator">Generator; null leaves zeros.</param>
    /// <param name="tanhOutput">Whether the output goes through tanh.</param>
    public GroupedMlp(int groups, IReadOnlyList<int> sizes, ActivationKind activation, WeightInitKind init, Generator? generator, bool tanhOutput = false)
        : base(nameof(GroupedMlp))
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Count < 2) throw new ArgumentException("an MLP needs at least an input and an output size.", nameof(sizes));
        Groups = groups;
        Sizes = sizes.ToArray();
        this.activation = activation;
        this.tanhOutput = tanhOutput;
        layers = new ModuleList<GroupedLinear>();
        for (int i = 0; i + 1 < sizes.Count; i++) layers.Add(new GroupedLinear(groups, sizes[i], sizes[i + 1], init, generator));
        RegisterComponents();
    }

    /// <summary>Number of networks K.</summary>
    public int Groups { get; }

    /// <summary>Layer widths including input and output.</summary>
    public IReadOnlyList<int> Sizes { get; }

    /// <inheritdoc />
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
