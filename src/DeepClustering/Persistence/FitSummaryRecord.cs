using DeepClustering.Core;

namespace DeepClustering.Persistence;

/// <summary>
/// JSON form of a <see cref="FitSummary"/> for model files (the record itself has two constructors, which
/// System.Text.Json cannot choose between). Use <see cref="Write"/> and <see cref="Read"/>.
/// </summary>
internal sealed record FitSummaryRecord(bool Converged, int Iterations, double FinalObjective, double[] ObjectiveHistory,
    int BestRestart, double ElapsedSeconds, string[] Warnings)
{
    public const string Key = "summary";

    /// <summary>Stores the summary under "summary".</summary>
    public static void Write(ModelWriter writer, FitSummary summary) => writer.Set(Key, new FitSummaryRecord(
        summary.Converged, summary.Iterations, summary.FinalObjective, summary.ObjectiveHistory.ToArray(), summary.BestRestart,
        summary.Elapsed.TotalSeconds, summary.Warnings.ToArray()));

    /// <summary>Reads the summary stored under "summary".</summary>
    public static FitSummary Read(ModelReader reader)
    {
        var r = reader.Get<FitSummaryRecord>(Key);
        if (r.ObjectiveHistory is null || r.Warnings is null || !double.IsFinite(r.ElapsedSeconds) || r.ElapsedSeconds < 0
            || r.ElapsedSeconds >= TimeSpan.MaxValue.TotalSeconds)
            throw new ModelFormatException("model file has an invalid 'summary'.");
        return new FitSummary(r.Converged, r.Iterations, r.FinalObjective, r.ObjectiveHistory, r.BestRestart,
            TimeSpan.FromSeconds(r.ElapsedSeconds), r.Warnings);
    }
}
