using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>What one SR-K-means fit keeps between epochs: the soft assignments of every training row and the initial labels.</summary>
internal sealed class SoftRegularizedKMeansTrainingState : IDisposable
{
    public SoftRegularizedKMeansTrainingState(Tensor assignments, Tensor initialLabels)
    {
        Assignments = assignments.DetachFromDisposeScope();
        InitialLabels = initialLabels.DetachFromDisposeScope();
    }

    /// <summary>Q (N x K) on the fit's device.</summary>
    public Tensor Assignments { get; private set; }

    /// <summary>Labels of the initial k-means (int64, N): the warm start's hard targets.</summary>
    public Tensor InitialLabels { get; }

    /// <summary>Mean code m over the training rows (latent size), as of the last centre update; empty before it.</summary>
    public Tensor CodeMean { get; private set; } = empty(0).DetachFromDisposeScope();

    /// <summary>Replaces m (copies <paramref name="mean"/>).</summary>
    public void SetCodeMean(Tensor mean)
    {
        var old = CodeMean;
        CodeMean = mean.detach().clone().DetachFromDisposeScope();
        old.Dispose();
    }

    /// <summary>Replaces Q (takes ownership of <paramref name="next"/>).</summary>
    public void Replace(Tensor next)
    {
        var old = Assignments;
        Assignments = next.DetachFromDisposeScope();
        old.Dispose();
    }

    public void Dispose()
    {
        Assignments.Dispose();
        InitialLabels.Dispose();
        CodeMean.Dispose();
    }
}
