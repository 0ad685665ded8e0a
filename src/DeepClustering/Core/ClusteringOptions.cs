namespace DeepClustering.Core;

/// <summary>Options shared by every estimator. Options are immutable records: derive variants with <c>with</c>.</summary>
public abstract record ClusteringOptions
{
    /// <summary>Random seed. The same seed gives the same labels on CPU. Null draws a fresh seed per fit.</summary>
    public int? Seed { get; init; } = 0;

    /// <summary>Compute device: "cpu" (default), "cuda", "cuda:N", or "auto" (CUDA when available).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// Checks every option and throws <see cref="ArgumentOutOfRangeException"/> naming the option and the
    /// allowed range. Called by <c>Fit</c>; derived records extend it.
    /// </summary>
    public virtual void Validate()
    {
        DeviceResolver.Parse(Device); // throws with the option name
    }
}
