using System.Text.Json.Serialization;
using DeepClustering.Core;
using DeepClustering.Training;

namespace DeepClustering.Models;

/// <summary>How a fitted SR-K-means model turns codes into cluster probabilities.</summary>
public enum SoftRegularizedKMeansPrediction
{
    /// <summary>
    /// The authors' final posterior, a logistic-regression (softmax-linear) classifier on the codes:
    /// <c>p_ik = softmax_k(z_iᵀ θ_k / T + b_k)</c> with <c>b_k = ½ log(mean_i q_ik)</c>.
    /// </summary>
    Logistic,
    /// <summary>The Q-step of soft k-means: <c>softmax_k(−‖z_i − θ_k‖² / T)</c> (hard labels = nearest centre).</summary>
    SoftAssignment,
}

/// <summary>How SR-K-means finds the labels it starts from on the pretrained, bounded codes.</summary>
public enum SoftRegularizedKMeansStart
{
    /// <summary>The pipeline's initial clustering (k-means by default, <see cref="DeepClusteringOptions.InitialClustering"/>).</summary>
    KMeans,
    /// <summary>
    /// Agglomeration along the codes' k-nearest-neighbour graph, in the spirit of the authors' AC-PIC start: the codes are
    /// smoothed over the graph (<see cref="SoftRegularizedKMeansOptions.GraphSmoothingSteps"/>), k-means cuts them into
    /// <see cref="SoftRegularizedKMeansOptions.GraphSubclusters"/> small clusters per cluster, and these merge by average
    /// linkage on the graph's edges until the asked number is left.
    /// </summary>
    GraphLinkage,
}

/// <summary>What the clustering term of SR-K-means' network loss subtracts from the soft k-means distortion.</summary>
public enum SoftRegularizedKMeansClusteringTerm
{
    /// <summary>
    /// The authors' term <c>Σ_k q_ik ‖z_i − θ_k‖² − ‖z_i‖²</c>. Summed over the rows it equals
    /// <c>−Σ_k N_k ‖θ_k‖²</c>, so it rewards centres far from the origin, and moving every code into the same corner of
    /// the tanh box (one cluster) is one of its minima.
    /// </summary>
    Origin,
    /// <summary>
    /// <c>Σ_k q_ik ‖z_i − θ_k‖² − ‖z_i − m‖²</c> with m the mean code: summed over the rows, minus the between-cluster
    /// scatter <c>Σ_k N_k ‖θ_k − m‖²</c>. It does not change when every code moves by the same amount, and a collapse
    /// into one cluster is its maximum rather than a minimum.
    /// </summary>
    Centred,
}

/// <summary>
/// Options of <see cref="SoftRegularizedKMeans"/> (deep SR-K-means). Immutable; validated when fitting. Defaults
/// that differ from <see cref="DeepClusteringOptions"/>: <see cref="DeepClusteringOptions.TanhBottleneck"/> = true
/// (the embedding must be bounded), joint <see cref="DeepClusteringOptions.LearningRate"/> = 1e-4 (the authors' 1e-3 loses
/// the graph start in the alternating phase; README, Results),
/// <see cref="DeepClusteringOptions.BatchSize"/> = 256, <see cref="DeepClusteringOptions.Epochs"/> = 100 (an upper
/// bound; the fit stops once the assignments settle, see <see cref="Tolerance"/>) and
/// <see cref="DeepClusteringOptions.InitialClusteringRestarts"/> = 20.
/// </summary>
public sealed record SoftRegularizedKMeansOptions : DeepClusteringOptions
{
    /// <summary>Creates options with SR-K-means' defaults.</summary>
    public SoftRegularizedKMeansOptions()
    {
        TanhBottleneck = true;
        LearningRate = 1e-4;
        BatchSize = 256;
        Epochs = 100;
        InitialClusteringRestarts = 20;
    }

    /// <summary>
    /// The regularisation weight λ (the L2 weight of the logistic-regression posteriors in the paper); the soft
    /// k-means temperature is T = λ·K. With tanh codes in [−1, 1]^d, the default 1e-4 (the authors') gives nearly
    /// hard assignments; larger values soften them. Must be positive.
    /// </summary>
    public double Regularization { get; init; } = 1e-4;

    /// <summary>The temperature T = <see cref="Regularization"/> · <see cref="DeepClusteringOptions.Clusters"/>.</summary>
    [JsonIgnore]
    public double Temperature => Regularization * Clusters;

    /// <summary>Weight of the reconstruction (mean squared error) in the network loss. Default 1.</summary>
    public double ReconstructionWeight { get; init; } = 1;

    /// <summary>
    /// Weight of the clustering term <c>(1/T)·mean_i[Σ_k q_ik ‖z_i − θ_k‖² − ‖z_i‖²]</c> in the network loss. Default 1.
    /// </summary>
    public double ClusteringWeight { get; init; } = 1;

    /// <summary>
    /// What the clustering term subtracts from the distortion: the squared norm of the code (the authors') or its
    /// squared distance to the mean code. Default <see cref="SoftRegularizedKMeansClusteringTerm.Centred"/> (ours): after the
    /// graph start, the authors' <see cref="SoftRegularizedKMeansClusteringTerm.Origin"/> merged clusters that the start
    /// had apart (README, Results).
    /// </summary>
    public SoftRegularizedKMeansClusteringTerm ClusteringTerm { get; init; } = SoftRegularizedKMeansClusteringTerm.Centred;

    /// <summary>
    /// Epochs of warm start before the soft updates: the network is trained towards the initial partition (hard
    /// targets, centres re-estimated as the hard means after each epoch). The authors early-stop this phase on a
    /// validation split; here it is a fixed count (0 skips it). Default 30. It carries a start that is not a partition
    /// by nearest centre in the code space (<see cref="SoftRegularizedKMeansStart.GraphLinkage"/>,
    /// <see cref="WhiteningRounds"/>) into that space, where the soft k-means steps would otherwise replace it by a
    /// k-means partition at once.
    /// </summary>
    public int WarmStartEpochs { get; init; } = 30;

    /// <summary>
    /// Rounds of k-means in the metric of its own pooled within-cluster covariance after the initial clustering (each
    /// round whitens the bounded codes by the current partition's within-cluster covariance and re-runs k-means with
    /// <see cref="DeepClusteringOptions.InitialClusteringRestarts"/> restarts; it stops early once the partition no
    /// longer changes). Only the start's labels change, not the code space, so the rounds work together with
    /// <see cref="WarmStartEpochs"/>, which trains the network towards them before the soft k-means steps. 0 keeps the
    /// plain k-means start. Default 0: with 8 rounds and 10 warm-start epochs MNIST-test gained but USPS and digits did
    /// not (README, Results).
    /// </summary>
    public int WhiteningRounds { get; init; }

    /// <summary>
    /// How the start's labels are found on the bounded codes. Default <see cref="SoftRegularizedKMeansStart.GraphLinkage"/>.
    /// </summary>
    public SoftRegularizedKMeansStart Start { get; init; } = SoftRegularizedKMeansStart.GraphLinkage;

    /// <summary>
    /// Neighbours per code in the k-nearest-neighbour graph of the <see cref="SoftRegularizedKMeansStart.GraphLinkage"/>
    /// start (at most the number of rows − 1; a larger value takes every other row). Default 10.
    /// </summary>
    public int GraphNeighbours { get; init; } = 10;

    /// <summary>
    /// Steps of smoothing over the graph in the <see cref="SoftRegularizedKMeansStart.GraphLinkage"/> start (each moves a
    /// code halfway to the mean of its neighbours' codes; 0 over-clusters the codes themselves). Default 20.
    /// </summary>
    public int GraphSmoothingSteps { get; init; } = 20;

    /// <summary>
    /// Small clusters per cluster that k-means finds on the smoothed codes before they are merged along the graph in the
    /// <see cref="SoftRegularizedKMeansStart.GraphLinkage"/> start (1: k-means on the smoothed codes, no merging; in all at
    /// most a tenth of the rows and 1024, but never fewer than the clusters). Default 8.
    /// </summary>
    public int GraphSubclusters { get; init; } = 8;

    /// <summary>
    /// Stopping rule of the alternating phase (the authors'): stop when the mean squared change of the soft
    /// assignments Q between two epochs, mean((Q_new − Q_old)²), falls below this value. 0 runs every epoch.
    /// Default 1e-5.
    /// </summary>
    public double Tolerance { get; init; } = 1e-5;

    /// <summary>The prediction rule of the fitted model. Default <see cref="SoftRegularizedKMeansPrediction.Logistic"/>.</summary>
    public SoftRegularizedKMeansPrediction Prediction { get; init; } = SoftRegularizedKMeansPrediction.Logistic;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        OptionCheck.InRange(nameof(Clusters), Clusters, 2, 100_000);
        OptionCheck.GreaterThan(nameof(Regularization), Regularization, 0);
        OptionCheck.InRange(nameof(Regularization), Regularization, 0, 1e6);
        OptionCheck.InRange(nameof(ReconstructionWeight), ReconstructionWeight, 0, 1e6);
        OptionCheck.InRange(nameof(ClusteringWeight), ClusteringWeight, 0, 1e6);
        OptionCheck.InRange(nameof(WarmStartEpochs), WarmStartEpochs, 0, 1_000_000);
        OptionCheck.InRange(nameof(WhiteningRounds), WhiteningRounds, 0, 1000);
        OptionCheck.Defined(nameof(Start), Start);
        OptionCheck.InRange(nameof(GraphNeighbours), GraphNeighbours, 1, 10_000);
        OptionCheck.InRange(nameof(GraphSmoothingSteps), GraphSmoothingSteps, 0, 100_000);
        OptionCheck.InRange(nameof(GraphSubclusters), GraphSubclusters, 1, 1000);
        OptionCheck.InRange(nameof(Tolerance), Tolerance, 0, 1);
        OptionCheck.Defined(nameof(Prediction), Prediction);
        OptionCheck.Defined(nameof(ClusteringTerm), ClusteringTerm);
    }
}
