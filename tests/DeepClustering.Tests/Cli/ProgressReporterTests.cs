using DeepClustering.Cli;
using DeepClustering.Core;

namespace DeepClustering.Tests.Cli;

public class ProgressReporterTests
{
    [Fact]
    public void EachRestartIsItsOwnSeriesOfTheTrainingCurve()
    {
        using var reporter = new ProgressReporter("neural-em", show: false);
        reporter.Report(new TrainingProgress(TrainingPhase.Training, 0, 1, 3, 2.0));
        reporter.Report(new TrainingProgress(TrainingPhase.Training, 1, 1, 3, 1.5));
        reporter.Report(new TrainingProgress(TrainingPhase.Training, 1, 2, 3, double.NaN)); // skipped
        reporter.Report(new TrainingProgress(TrainingPhase.Training, 1, 3, 3, 1.0));
        Assert.Equal(new[] { ("Training (restart 0)", 2.0), ("Training (restart 1)", 1.5), ("Training (restart 1)", 1.0) }, reporter.Curve);

        using var single = new ProgressReporter("gmm", show: false);
        single.Report(new TrainingProgress(TrainingPhase.Pretraining, 0, 1, 1, 0.5));
        single.Report(new TrainingProgress(TrainingPhase.Training, 0, 1, 1, 0.25));
        Assert.Equal(new[] { ("Pretraining", 0.5), ("Training", 0.25) }, single.Curve);
    }
}
