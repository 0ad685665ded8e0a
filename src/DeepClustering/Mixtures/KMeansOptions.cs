using DeepClustering.Core;

namespace DeepClustering.Mixtures;

/// <summary>Options of <see cref="KMeans"/>. Immutable; validated when fitting.</summary>
public sealed record KMeansOptions : ClusteringOptions
{
    /// <summary>Number of clusters K (≥ 1). Default 8.</summary>
    public int Clusters { get; init; } = 8;

    /// <summary>Number of runs with different seeds (sklearn <c>n_init</c>, ≥ 1); the lowest inertia wins. Default 1.</summary>
    public int Restarts { get; init; } = 1;

    /// <summary>Lloyd iterations per run (≥ 1). Default 300.</summary>
    public int MaxIterations { get; init; } = 300;

    /// <summary>
    /// Convergence threshold (≥ 0), relative to the data: a run stops when the summed squared centroid shift
    /// falls below Tolerance x mean feature variance (as scikit-learn), or when no label changes. Default 1e-4.
    /// </summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>Centroid seeding. Default <see cref="KMeansInit.KMeansPlusPlus"/>.</summary>
    public KMeansInit Init { get; init; } = KMeansInit.KMeansPlusPlus;

    /// <summary>Rows per chunk in the assignment step (≥ 1). Null (default) chooses by memory (at most 65,536 rows).</summary>
    public int? ChunkSize { get; init; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        OptionCheck.InRange(nameof(Clusters), Clusters, 1);
        OptionCheck.InRange(nameof(Restarts), Restarts, 1);
        OptionCheck.InRange(nameof(MaxIterations), MaxIterations, 1);
        OptionCheck.InRange(nameof(Tolerance), Tolerance, 0);
        OptionCheck.Defined(nameof(Init), Init);
        if (ChunkSize is int c) OptionCheck.InRange(nameof(ChunkSize), c, 1);
    }
}
