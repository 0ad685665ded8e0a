using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>
/// What a model's loss hook returns for one batch: the scalar to minimise and, for reports, its named parts.
/// </summary>
public sealed class DeepLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="total">Scalar tensor that is back-propagated.</param>
    /// <param name="terms">Named scalar parts for progress reports (e.g. "reconstruction", "clustering").</param>
    public DeepLoss(Tensor total, params (string Name, Tensor Value)[] terms)
    {
        Total = total ?? throw new ArgumentNullException(nameof(total));
        Terms = terms ?? Array.Empty<(string, Tensor)>();
    }

    /// <summary>The scalar to minimise.</summary>
    public Tensor Total { get; }

    /// <summary>Named scalar parts (averaged over the epoch, weighted by batch size, in progress reports).</summary>
    public IReadOnlyList<(string Name, Tensor Value)> Terms { get; }

    /// <summary>
    /// The batch's soft assignments (B x K) when the hook computed them anyway; the pipeline then counts cluster
    /// sizes from them instead of running an extra pass over the data after the epoch.
    /// </summary>
    public Tensor? Probabilities { get; init; }
}

/// <summary>One mini-batch handed to the loss hook.</summary>
/// <param name="Inputs">Scaled inputs (B x D) on the device; do not modify.</param>
/// <param name="Indices">Row indices (int64, B) into <see cref="DeepTrainingContext.Data"/>, for per-row state
/// such as target distributions.</param>
/// <param name="Epoch">0-based joint-training epoch.</param>
/// <param name="Batch">0-based batch number within the epoch.</param>
public sealed record DeepBatch(Tensor Inputs, Tensor Indices, int Epoch, int Batch)
{
    /// <summary>Rows in the batch.</summary>
    public int Size => (int)Inputs.shape[0];
}

/// <summary>What one joint-training epoch produced (handed to the end-of-epoch hook).</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Loss">Mean total loss over the epoch.</param>
/// <param name="Terms">Mean named terms.</param>
/// <param name="ClusterSizes">Hard cluster sizes after the epoch.</param>
public sealed record DeepEpochResult(int Epoch, double Loss, IReadOnlyDictionary<string, double> Terms, IReadOnlyList<int> ClusterSizes);
