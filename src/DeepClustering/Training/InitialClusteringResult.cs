using DeepClustering.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>
/// The clustering of the pretrained codes that initialises a deep model. All tensors live on the fit's device and
/// are owned by the pipeline (copy what you keep, e.g. with <c>clone()</c> into a parameter). Means, variances and
/// weights are the responsibility-weighted moments of the codes, whichever algorithm produced them.
/// </summary>
public sealed class InitialClusteringResult : IDisposable
{
    private IClusteringModel? model;

    internal InitialClusteringResult(InitialClusteringKind kind, IClusteringModel model, Tensor codes, Tensor responsibilities)
    {
        Kind = kind;
        this.model = model;
        Codes = codes;
        Responsibilities = responsibilities;
        using var scope = NewDisposeScope();
        using var tiny = 1e-10.ToScalar();
        using var zero = 0.0.ToScalar();
        using var floor = 1e-6.ToScalar();
        using var minusOne = (-1.0).ToScalar();
        Labels = responsibilities.argmax(1).MoveToOuterDisposeScope();
        var counts = responsibilities.sum(dim: 0);
        Weights = counts.div(counts.sum()).MoveToOuterDisposeScope();
        var safe = counts.clamp_min(tiny).unsqueeze(1);
        Means = DeepTensors.ClusterMeans(codes, responsibilities).MoveToOuterDisposeScope();
        var second = responsibilities.t().matmul(codes.mul(codes)).div_(safe);
        Variances = second.addcmul_(Means, Means, minusOne).clamp_min_(zero).add_(floor).MoveToOuterDisposeScope();
        ClusterSizes = Training.DeepTensors.ToIntArray(Labels.bincount(null, responsibilities.shape[1]));
        Objective = model.Summary.FinalObjective;
    }

    /// <summary>Which algorithm produced it.</summary>
    public InitialClusteringKind Kind { get; }

    /// <summary>Pretrained codes of all training rows (N x d).</summary>
    public Tensor Codes { get; }

    /// <summary>Soft assignments (N x K): one-hot for k-means, posterior probabilities for a mixture.</summary>
    public Tensor Responsibilities { get; }

    /// <summary>Hard labels (int64, N).</summary>
    public Tensor Labels { get; }

    /// <summary>Cluster means in latent space (K x d).</summary>
    public Tensor Means { get; }

    /// <summary>Per-dimension variances of each cluster (K x d, floored at 1e-6).</summary>
    public Tensor Variances { get; }

    /// <summary>Cluster proportions (K).</summary>
    public Tensor Weights { get; }

    /// <summary>Hard cluster sizes.</summary>
    public IReadOnlyList<int> ClusterSizes { get; }

    /// <summary>Objective of the clustering (k-means inertia or mixture lower bound).</summary>
    public double Objective { get; }

    /// <summary>The fitted clustering model (a k-means or Gaussian-mixture model), owned by the pipeline.</summary>
    public IClusteringModel Model => model ?? throw new InvalidOperationException("the initial clustering model was taken by TakeModel.");

    /// <summary>Takes ownership of the fitted clustering model (the caller disposes it); the pipeline will not.</summary>
    public IClusteringModel TakeModel()
    {
        var m = Model;
        model = null;
        return m;
    }

    /// <summary>Releases the tensors (and the model unless it was taken).</summary>
    public void Dispose()
    {
        Codes.Dispose(); Responsibilities.Dispose(); Labels.Dispose(); Means.Dispose(); Variances.Dispose(); Weights.Dispose();
        model?.Dispose();
        model = null;
    }
}
