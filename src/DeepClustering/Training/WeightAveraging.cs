using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>
/// Running average of a set of parameters (AE-CM's final "averaging epoch": one more epoch of updates, after which
/// every weight is replaced by the mean of its values after each batch of that epoch). Call <see cref="Add"/> after
/// each optimiser step and <see cref="Apply"/> at the end. The averages live in buffers owned by this object
/// (float64, so long epochs do not lose precision); dispose it when done.
/// </summary>
public sealed class WeightAveraging : IDisposable
{
    private readonly Parameter[] parameters;
    private readonly Tensor[] sums;
    private bool disposed;

    /// <summary>Starts an empty average over <paramref name="parameters"/> (their current values are not counted).</summary>
    public WeightAveraging(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        this.parameters = parameters.ToArray();
        sums = new Tensor[this.parameters.Length];
        using var noGrad = no_grad();
        for (int i = 0; i < sums.Length; i++)
            sums[i] = zeros_like(this.parameters[i], dtype: ScalarType.Float64).DetachFromDisposeScope();
    }

    /// <summary>Number of snapshots added so far.</summary>
    public int Count { get; private set; }

    /// <summary>Adds the parameters' current values to the average.</summary>
    public void Add()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        using var noGrad = no_grad();
        for (int i = 0; i < sums.Length; i++) sums[i].add_(parameters[i].detach());
        Count++;
    }

    /// <summary>Overwrites every parameter with its average; does nothing when no snapshot was added.</summary>
    public void Apply()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (Count == 0) return;
        using var noGrad = no_grad();
        for (int i = 0; i < sums.Length; i++)
        {
            using var mean = sums[i].div(Count);
            parameters[i].copy_(mean);
        }
    }

    /// <summary>Releases the buffers.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var s in sums) s.Dispose();
    }
}
