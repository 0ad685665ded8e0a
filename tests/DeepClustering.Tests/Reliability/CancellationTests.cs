using DeepClustering.Core;
using DeepClustering.Tests.Contract;

namespace DeepClustering.Tests.Reliability;

/// <summary>
/// Cancelling at a random (seeded) moment of each phase (pretraining, initial clustering and joint training for
/// deep models; initialisation and EM iterations for mixtures) throws <see cref="OperationCanceledException"/>
/// from Fit within one further progress report (one iteration or batch), and returns no model.
/// </summary>
public class CancellationTests
{
    private sealed class Inline(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    /// <summary>(estimator, phase) pairs: every phase that the estimator reports progress in.</summary>
    public static TheoryData<string, TrainingPhase> Phases => new()
    {
        { "GaussianMixture/full", TrainingPhase.Training },
        { "GaussianMixture/tied", TrainingPhase.Training },
        { "KMeans", TrainingPhase.Training },
        { "DirichletProcessGaussianMixture", TrainingPhase.Training },
        { "SoftKMeans", TrainingPhase.Training },
        { "AutoencoderMixture", TrainingPhase.Pretraining },
        { "AutoencoderMixture", TrainingPhase.Initialization },
        { "ClusteringModuleAutoencoder", TrainingPhase.Pretraining },
        { "ClusteringModuleAutoencoder", TrainingPhase.Initialization },
        { "ClusteringModuleAutoencoder", TrainingPhase.Training },
        { "DeepDirichletProcessMixture", TrainingPhase.Pretraining },
        { "DeepDirichletProcessMixture", TrainingPhase.Initialization },
        { "DeepDirichletProcessMixture", TrainingPhase.Training },
        { "SoftRegularizedKMeans", TrainingPhase.Pretraining },
        { "SoftRegularizedKMeans", TrainingPhase.Training },
        { "MixtureOfAutoencoders/damic", TrainingPhase.Training },
        { "NeuralMixtureEm", TrainingPhase.Training },
        { "ClusteringModule", TrainingPhase.Training },
    };

    [Theory]
    [MemberData(nameof(Phases))]
    public void CancellingDuringAPhaseStopsWithinOneStep(string estimator, TrainingPhase phase)
    {
        var c = EstimatorRegistry.All.Single(e => e.Name == estimator);
        var data = EstimatorChecks.Blobs(3, 30, c.Features, 2);

        // A full run counts the progress reports of the phase; the cancellation lands on a seeded random one of them.
        int reports = 0;
        using (c.Create(3, 5).Fit(data, new Inline(r => { if (r.Phase == phase) reports++; })))
            Assert.True(reports > 0, $"{estimator} reports no progress in phase {phase}: it cannot be cancelled there from a progress handler.");
        int cancelAt = 1 + new Random(HashCode.Combine(estimator.Length, (int)phase, reports)).Next(reports);

        using var cts = new CancellationTokenSource();
        int seen = 0, afterCancel = 0;
        IClusteringModel? model = null;
        var e = Assert.ThrowsAny<OperationCanceledException>(() => model = c.Create(3, 5).Fit(data, new Inline(r =>
        {
            if (cts.IsCancellationRequested) { afterCancel++; return; }
            if (r.Phase == phase && ++seen == cancelAt) cts.Cancel();
        }), cts.Token));
        Assert.Null(model);
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.True(afterCancel <= 1, $"{estimator} reported {afterCancel} more steps after being cancelled in {phase} (report {cancelAt} of {reports}).");
    }
}
