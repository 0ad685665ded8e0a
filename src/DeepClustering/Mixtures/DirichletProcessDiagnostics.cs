using System.Globalization;

namespace DeepClustering.Mixtures;

/// <summary>How the number of clusters learned by a Dirichlet-process mixture looks against its truncation level.</summary>
public enum DirichletProcessOutcome
{
    /// <summary>Some components were pruned and more than one kept: the prior did its job.</summary>
    Pruned,
    /// <summary>All weight went to a single component: the prior was too strong for the data (or the data hold one cluster).</summary>
    CollapsedToOne,
    /// <summary>Every component kept weight: the prior was too weak, or the truncation level is too low.</summary>
    NotPruned,
}

/// <summary>
/// Detects the two failure modes of a Dirichlet-process mixture — collapse to one component and no pruning —
/// and words the guidance on the concentration prior and the truncation level.
/// </summary>
public static class DirichletProcessDiagnostics
{
    /// <summary>Classifies an effective number of clusters against the truncation level.</summary>
    public static DirichletProcessOutcome Classify(int effectiveClusters, int truncation)
    {
        if (truncation > 1 && effectiveClusters <= 1) return DirichletProcessOutcome.CollapsedToOne;
        if (truncation > 1 && effectiveClusters >= truncation) return DirichletProcessOutcome.NotPruned;
        return DirichletProcessOutcome.Pruned;
    }

    /// <summary>A warning with guidance for a failure outcome, or null when <paramref name="outcome"/> is <see cref="DirichletProcessOutcome.Pruned"/>.</summary>
    /// <param name="outcome">The outcome.</param>
    /// <param name="truncation">Truncation level T.</param>
    /// <param name="concentration">The weight concentration prior α₀ in use.</param>
    /// <param name="concentrationOption">Name of the option that sets α₀.</param>
    /// <param name="truncationOption">Name of the option that sets T.</param>
    /// <param name="threshold">Weight threshold (or pruning threshold) that decided which components count.</param>
    public static string? Describe(DirichletProcessOutcome outcome, int truncation, double concentration, string concentrationOption,
        string truncationOption, double threshold)
    {
        var c = concentration.ToString("G3", CultureInfo.InvariantCulture);
        var t = threshold.ToString("G3", CultureInfo.InvariantCulture);
        return outcome switch
        {
            DirichletProcessOutcome.CollapsedToOne =>
                $"Collapse: only one of the {truncation} components kept a weight above {t}. If the data hold several clusters, the " +
                $"prior was too strong for them: raise {concentrationOption} (now {c}; try 1 to {truncation}) and check the component " +
                "prior: a covariance prior much wider than the clusters, or a large mean-precision prior, merges them (standardise " +
                "the features; leave those priors at their data-derived defaults).",
            DirichletProcessOutcome.NotPruned =>
                $"No pruning: all {truncation} components kept a weight above {t}, so the number of clusters was not learned. The " +
                $"prior was too weak or the truncation level too low: raise {truncationOption} (now {truncation}) so that some " +
                $"components can die, or lower {concentrationOption} (now {c}; try 1/{truncation} or less).",
            _ => null,
        };
    }
}
