using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Training;

namespace DeepClustering.Models;

/// <summary>
/// Options of the shallow <see cref="ClusteringModule"/> (the module alone on feature vectors). Immutable; validated
/// when fitting. Defaults follow the authors' code where it has a value ([V-code] in the spec): Adam with
/// learning rate 1e-3 and ε = 1e-3, 150 epochs, the final averaging epoch, a k-means initialisation. The normalised loss scale and α = 1.1 are the analogue of their PyTorch example.
/// </summary>
public sealed record ClusteringModuleOptions : ClusteringOptions
{
    /// <summary>Number of clusters K (≥ 1). Default 8.</summary>
    public int Clusters { get; init; } = 8;

    /// <summary>
    /// How the module starts: k-means centres with the mixture-posterior encoder (default), k-means centres with the
    /// authors' pseudo-inverse encoder, or random weights.
    /// </summary>
    public ClusteringModuleInit Init { get; init; } = ClusteringModuleInit.KMeans;

    /// <summary>Restarts of the k-means initialisation (lowest inertia kept). Default 10.</summary>
    public int InitRestarts { get; init; } = 10;

    /// <summary>Training epochs, not counting the averaging epoch. Default 150 (the authors' CM setting).</summary>
    public int Epochs { get; init; } = 150;

    /// <summary>Mini-batch size. Default 256 (the authors' tuned values range from 35 to 600).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Adam learning rate. Default 1e-3 (authors).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Adam ε. Default 1e-3 (authors; much larger than the usual 1e-8, which damps steps of rarely used clusters).</summary>
    public double AdamEpsilon { get; init; } = 1e-3;

    /// <summary>
    /// Dirichlet concentration α of the prior on the batch's cluster proportions (α &gt; 1 keeps clusters from
    /// emptying; 1 switches the prior off). Default 1.1 for the normalised loss; the authors' tuned values for the
    /// summed loss are 10–1000 (see <see cref="AuthorsTuned"/>).
    /// </summary>
    public double DirichletConcentration { get; init; } = 1.1;

    /// <summary>Scaling of the loss terms. Default <see cref="ClusteringModuleLossScale.Normalized"/>.</summary>
    public ClusteringModuleLossScale LossScale { get; init; } = ClusteringModuleLossScale.Normalized;

    /// <summary>
    /// Whether to run the authors' final averaging epoch: one more epoch of updates, then every weight is replaced by
    /// the average of its values after each batch of that epoch. Default true.
    /// </summary>
    public bool AveragingEpoch { get; init; } = true;

    /// <summary>Input scaling; null (default) keeps images as they are and standardises tabular data.</summary>
    public ScalerKind? Scaler { get; init; }

    /// <summary>Share of all rows in the largest cluster from which a fit counts as collapsed. Default 0.95.</summary>
    public double CollapseThreshold { get; init; } = 0.95;

    /// <summary>Whether a collapse only warns (default) or stops the fit.</summary>
    public CollapseBehavior OnCollapse { get; init; } = CollapseBehavior.Warn;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        OptionCheck.InRange(nameof(Clusters), Clusters, 1, 100_000);
        OptionCheck.Defined(nameof(Init), Init);
        OptionCheck.InRange(nameof(InitRestarts), InitRestarts, 1, 1000);
        OptionCheck.InRange(nameof(Epochs), Epochs, 0);
        OptionCheck.InRange(nameof(BatchSize), BatchSize, 1);
        OptionCheck.GreaterThan(nameof(LearningRate), LearningRate, 0);
        OptionCheck.InRange(nameof(LearningRate), LearningRate, 0, 10);
        OptionCheck.GreaterThan(nameof(AdamEpsilon), AdamEpsilon, 0);
        OptionCheck.InRange(nameof(AdamEpsilon), AdamEpsilon, 0, 1);
        OptionCheck.InRange(nameof(DirichletConcentration), DirichletConcentration, 0, 1e6);
        OptionCheck.Defined(nameof(LossScale), LossScale);
        if (Scaler is ScalerKind kind) OptionCheck.Defined(nameof(Scaler), kind);
        OptionCheck.InRange(nameof(CollapseThreshold), CollapseThreshold, 0.01, 1);
        OptionCheck.Defined(nameof(OnCollapse), OnCollapse);
    }

    /// <summary>
    /// The authors' tuned values for the module alone on raw inputs (<c>CM_UNIF</c> in their <c>Tuned_Param.py</c>):
    /// summed loss with their α and batch size, everything else default. Datasets: MNIST, FMNIST, USPS, CIFAR10,
    /// 20NEWS, R10K, PENDIGIT, 10X73K (case-insensitive).
    /// </summary>
    /// <exception cref="ArgumentException">No tuned values for <paramref name="dataset"/>.</exception>
    public static ClusteringModuleOptions AuthorsTuned(string dataset, int clusters = 10)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        (double alpha, int batch) = dataset.Trim().ToUpperInvariant() switch
        {
            "MNIST" => (177, 111),
            "FMNIST" => (80, 35),
            "USPS" => (40, 150),
            "CIFAR10" => (164, 350),
            "20NEWS" => (100, 600),
            "R10K" => (10, 400),
            "PENDIGIT" => (13, 80),
            "10X73K" => (1000, 500),
            _ => throw new ArgumentException($"no tuned clustering-module values for '{dataset}'; known: MNIST, FMNIST, USPS, CIFAR10, 20NEWS, R10K, PENDIGIT, 10X73K.", nameof(dataset)),
        };
        return new ClusteringModuleOptions
        {
            Clusters = clusters,
            LossScale = ClusteringModuleLossScale.Sum,
            DirichletConcentration = alpha,
            BatchSize = batch,
        };
    }
}
