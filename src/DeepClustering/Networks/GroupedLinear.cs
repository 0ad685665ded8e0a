using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace DeepClustering.Networks;

/// <summary>
/// K independent linear layers evaluated in one batched matrix product: weight [K, in, out], bias [K, 1, out].
/// Input [K, B, in] (each group its own rows) or [B, in] (the same rows for every group); output [K, B, out].
/// Used to run K small MLPs at once (mixture of autoencoders).
/// </summary>
public sealed class GroupedLinear : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;

    /// <summary>Creates the layer on the CPU; each group is initialised like a linear layer of its own.</summary>
    /// <param name="groups">Number of groups K.</param>
    /// <param name="inputs">Input width.</param>
    /// <param name="outputs">Output width.</param>
    /// <param name="init">Weight initialisation.</param>
    /// <param name="generator">Generator; null leaves zeros.</param>
    public GroupedLinear(int groups, int inputs, int outputs, WeightInitKind init, Generator? generator) : base(nameof(GroupedLinear))
    {
        if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), groups, "groups must be ≥ 1.");
        if (inputs < 1) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "inputs must be ≥ 1.");
        if (outputs < 1) throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "outputs must be ≥ 1.");
        Groups = groups; Inputs = inputs; Outputs = outputs;
        var w = empty(groups, inputs, outputs);
        var b = empty(groups, 1, outputs);
        WeightInit.Initialize(w, b, inputs, outputs, init, generator);
        weight = (Parameter)new Parameter(w).DetachFromDisposeScope();
        bias = (Parameter)new Parameter(b).DetachFromDisposeScope();
        RegisterComponents();
    }

    /// <summary>Number of groups K.</summary>
    public int Groups { get; }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary>[K, B, in] or [B, in] → [K, B, out].</summary>
    public override Tensor forward(Tensor input)
    {
        if (input.dim() == 2)
        {
            // One matmul of the shared batch against all K weight matrices (broadcast), then the bias.
            return input.matmul(weight).add_(bias, Mixtures.Scalars.One);
        }
        if (input.dim() != 3 || input.shape[0] != Groups)
            throw new ArgumentException($"GroupedLinear expects [{Groups}, B, {Inputs}] or [B, {Inputs}]; got [{string.Join(", ", input.shape)}].", nameof(input));
        return input.bmm(weight).add_(bias, Mixtures.Scalars.One);
    }
}
