namespace DeepClustering.Core;

/// <summary>The outcome of a fit.</summary>
/// <param name="Converged">Whether the stopping criterion was met before the iteration limit.</param>
/// <param name="Iterations">Iterations (EM steps or epochs) run by the best restart.</param>
/// <param name="FinalObjective">Objective of the returned model (lower bound, log-likelihood, inertia or loss).</param>
/// <param name="ObjectiveHistory">Objective after each iteration of the best restart.</param>
/// <param name="BestRestart">Index of the restart that was kept.</param>
/// <param name="Elapsed">Wall-clock time of the whole fit.</param>
/// <param name="Warnings">Things the fit noticed and recovered from (empty clusters re-seeded, and so on).</param>
public sealed record FitSummary(
    bool Converged,
    int Iterations,
    double FinalObjective,
    IReadOnlyList<double> ObjectiveHistory,
    int BestRestart,
    TimeSpan Elapsed,
    IReadOnlyList<string> Warnings)
{
    /// <summary>A summary with no warnings.</summary>
    public FitSummary(bool converged, int iterations, double finalObjective, IReadOnlyList<double> objectiveHistory,
        int bestRestart, TimeSpan elapsed)
        : this(converged, iterations, finalObjective, objectiveHistory, bestRestart, elapsed, Array.Empty<string>()) { }
}
