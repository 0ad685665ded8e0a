using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Networks;
using DeepClustering.Training;

namespace DeepClustering.Models;

/// <summary>Which objective a <see cref="MixtureOfAutoencoders"/> trains.</summary>
public enum MixtureOfAutoencodersVariant
{
    /// <summary>
    /// MIXAE (Zhang et al. 2017): an assignment network on the concatenated codes of the K autoencoders; loss =
    /// assignment-weighted reconstruction error + α · sample-wise entropy − β · batch-wise entropy.
    /// </summary>
    Mixae,

    /// <summary>
    /// DAMIC (Chazan et al. 2019): a gating network on the input gives p(k|x); the loss is the negative
    /// log-likelihood of the mixture, −log Σ_k p(k|x) exp(−e_k(x)/τ), and a row's assignment is the softmax of the
    /// gate's log-probabilities minus its reconstruction errors over τ (the mixture's posterior).
    /// </summary>
    Damic,
}

/// <summary>How the K autoencoders and the assignment network start.</summary>
public enum MixtureOfAutoencodersInitialization
{
    /// <summary>Random weights for everything (as MIXAE trains); the shared autoencoder of the pipeline is not used.</summary>
    Random,

    /// <summary>
    /// DAMIC's initialisation: a single autoencoder (pretrained for <see cref="DeepClusteringOptions.PretrainEpochs"/>
    /// epochs, or <see cref="DeepClusteringOptions.PretrainedAutoencoder"/>) is clustered by k-means in its latent
    /// space; then, for <see cref="MixtureOfAutoencodersOptions.WarmupEpochs"/> epochs, autoencoder k learns to
    /// reconstruct the rows of k-means cluster k and the assignment network learns the k-means labels
    /// (cross-entropy), before the joint objective takes over.
    /// </summary>
    KMeans,
}

/// <summary>
/// Options of <see cref="MixtureOfAutoencoders"/> (MIXAE and DAMIC). The K autoencoders are described by
/// <see cref="AutoencoderHiddenSizes"/> and <see cref="AutoencoderLatentSize"/> (with the shared
/// <see cref="DeepClusteringOptions.Activation"/> and <see cref="DeepClusteringOptions.GlorotInit"/>); the
/// inherited <see cref="DeepClusteringOptions.HiddenSizes"/>, <see cref="DeepClusteringOptions.LatentSize"/>,
/// <see cref="DeepClusteringOptions.PretrainEpochs"/> and <see cref="DeepClusteringOptions.PretrainedAutoencoder"/>
/// describe the single autoencoder used only by <see cref="MixtureOfAutoencodersInitialization.KMeans"/>.
/// Defaults differ from the other deep models: no pretraining (<see cref="DeepClusteringOptions.PretrainEpochs"/> = 0),
/// learning rate 1e-3 and 15 epochs, because the model trains from random weights (its assignments settle within
/// the first few epochs).
/// </summary>
/// <remarks>
/// Entropy-weight schedule (ours; the paper's is not known): the batch-entropy weight β is constant (1 from random
/// weights, 0.2 after the k-means initialisation, see <see cref="BatchEntropyWeight"/>); the
/// sample-entropy weight α rises linearly from 0 in the first epoch to <see cref="SampleEntropyWeight"/> at the end
/// of the first <see cref="EntropyRampFraction"/> of the joint epochs and then stays there, so assignments stay soft
/// while the autoencoders specialise and become confident afterwards. Reconstruction errors are mean squared errors
/// per feature divided by the mean feature variance of the training data (1 = no better than predicting the mean),
/// which keeps α, β and τ on one scale for every dataset.
/// </remarks>
public sealed record MixtureOfAutoencodersOptions : DeepClusteringOptions
{
    /// <summary>
    /// Creates options with this model's defaults: no pretraining, learning rate 1e-3, 15 epochs; for the k-means
    /// initialisation a denoising autoencoder (masking noise 0.2, as ae-gmm), whose codes cluster better on MNIST.
    /// </summary>
    public MixtureOfAutoencodersOptions()
    {
        PretrainEpochs = 0;
        LearningRate = 1e-3;
        Epochs = 15;
        PretrainNoise = NoiseKind.Masking;
        PretrainNoiseLevel = 0.2;
    }

    /// <summary>
    /// With the k-means initialisation on images of at least 16×16 pixels, a null
    /// <see cref="DeepClusteringOptions.PretrainAugment"/> or <see cref="DeepClusteringOptions.JointAugment"/> means
    /// training on random views (ours, after DEC-DA): it lifted DAMIC on MNIST-test from 0.79 to 0.83 and on USPS
    /// from 0.77 to 0.80 (README, Results). From random weights, or on 8×8 digits, views made the fits worse.
    /// </summary>
    protected override bool AugmentsByDefault(ImageShape? image) =>
        Initialization == MixtureOfAutoencodersInitialization.KMeans && AutoencoderTrainer.IsLargeImage(image);

    /// <summary>MIXAE (default) or DAMIC.</summary>
    public MixtureOfAutoencodersVariant Variant { get; init; } = MixtureOfAutoencodersVariant.Mixae;

    /// <summary>Random weights (default) or DAMIC's k-means initialisation from a pretrained autoencoder.</summary>
    public MixtureOfAutoencodersInitialization Initialization { get; init; } = MixtureOfAutoencodersInitialization.Random;

    /// <summary>
    /// Encoder hidden widths of each of the K autoencoders (decoders mirror them). Null picks
    /// <see cref="DefaultAutoencoderHiddenSizes"/> for the input width.
    /// </summary>
    public IReadOnlyList<int>? AutoencoderHiddenSizes { get; init; }

    /// <summary>Code width of each of the K autoencoders; null uses <see cref="DeepClusteringOptions.ResolvedLatentSize"/>.</summary>
    public int? AutoencoderLatentSize { get; init; }

    /// <summary>
    /// Hidden width of the assignment network (MIXAE: K·d → width → K on the concatenated codes; DAMIC: D → width → K
    /// on the input; the input is batch-normalised first). Default 128.
    /// </summary>
    public int AssignmentHiddenSize { get; init; } = 128;

    /// <summary>
    /// Final weight α of the mean sample-wise entropy H(p_i) (minimised: each row goes to one autoencoder), reached
    /// after the ramp of <see cref="EntropyRampFraction"/>. MIXAE only. Default 0.2.
    /// </summary>
    public double SampleEntropyWeight { get; init; } = 0.2;

    /// <summary>
    /// Weight β of the batch-wise entropy H(p̄) of the mean assignment of a batch (maximised, at most log K: every
    /// autoencoder is used); MIXAE, and DAMIC when positive. Null (default): 1 when training from random weights,
    /// where it is what keeps all autoencoders in use, and 0.2 after the k-means initialisation, whose clusters
    /// already use every autoencoder (a strong β would then split large classes to equalise cluster sizes).
    /// </summary>
    public double? BatchEntropyWeight { get; init; }

    /// <summary>Share of the joint epochs over which α rises linearly from 0 to <see cref="SampleEntropyWeight"/>. Default 0.3.</summary>
    public double EntropyRampFraction { get; init; } = 0.3;

    /// <summary>
    /// DAMIC: temperature τ of the likelihood exp(−e/τ) of the (relative) reconstruction error e; smaller values make
    /// the posterior harder. Default 0.05.
    /// </summary>
    public double ReconstructionTemperature { get; init; } = 0.05;

    /// <summary>
    /// <see cref="MixtureOfAutoencodersInitialization.KMeans"/> only: epochs in which autoencoder k learns its k-means
    /// cluster and the assignment network the k-means labels, before the joint epochs. Default 5.
    /// </summary>
    public int WarmupEpochs { get; init; } = 5;

    /// <summary>
    /// Collapse detection: when an epoch's mean batch entropy H(p̄) falls below this share of its maximum log K, the
    /// fit reports that (almost) all rows go to few autoencoders (a warning in <see cref="FitSummary.Warnings"/> and
    /// the log, or a <see cref="ClusteringNumericsException"/> with <see cref="DeepClusteringOptions.OnCollapse"/> =
    /// Throw). Default 0.5.
    /// </summary>
    public double CollapseEntropyRatio { get; init; } = 0.5;

    /// <summary>The batch-entropy weight β actually used (see <see cref="BatchEntropyWeight"/>).</summary>
    public double ResolvedBatchEntropyWeight =>
        BatchEntropyWeight ?? (Initialization == MixtureOfAutoencodersInitialization.KMeans ? 0.2 : 1.0);

    /// <summary>Code width of each autoencoder actually used.</summary>
    public int ResolvedAutoencoderLatentSize => AutoencoderLatentSize ?? ResolvedLatentSize;

    /// <summary>
    /// Default encoder widths of each of the K autoencoders: 256-64 for 100 or more features (MNIST, USPS: a
    /// quarter of the DEC autoencoder's cost each), 64 for smaller data.
    /// </summary>
    public static IReadOnlyList<int> DefaultAutoencoderHiddenSizes(int features) => features >= 100 ? new[] { 256, 64 } : new[] { 64 };

    /// <summary>The α of a 0-based joint epoch under the documented ramp.</summary>
    public double SampleEntropyWeightAt(int epoch, int epochs)
    {
        int ramp = (int)Math.Ceiling(EntropyRampFraction * epochs);
        if (ramp <= 1 || epoch + 1 >= ramp) return SampleEntropyWeight;
        return SampleEntropyWeight * epoch / (ramp - 1.0);
    }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        OptionCheck.Defined(nameof(Variant), Variant);
        OptionCheck.Defined(nameof(Initialization), Initialization);
        if (Network != NetworkKind.Mlp)
            throw new ArgumentOutOfRangeException(nameof(Network), Network, "MixtureOfAutoencoders runs its K autoencoders as grouped fully connected layers; use Network = Mlp.");
        OptionCheck.InRange(nameof(Clusters), Clusters, 1, 1000);
        if (AutoencoderHiddenSizes is not null)
        {
            if (AutoencoderHiddenSizes.Count > 16)
                throw new ArgumentOutOfRangeException(nameof(AutoencoderHiddenSizes), AutoencoderHiddenSizes.Count, "AutoencoderHiddenSizes may list at most 16 layers.");
            foreach (var h in AutoencoderHiddenSizes) OptionCheck.InRange(nameof(AutoencoderHiddenSizes), h, 1, AutoencoderArchitecture.MaxWidth);
        }
        if (AutoencoderLatentSize is int d) OptionCheck.InRange(nameof(AutoencoderLatentSize), d, 1, AutoencoderArchitecture.MaxWidth);
        OptionCheck.InRange(nameof(AssignmentHiddenSize), AssignmentHiddenSize, 1, AutoencoderArchitecture.MaxWidth);
        OptionCheck.InRange(nameof(SampleEntropyWeight), SampleEntropyWeight, 0, 1e6);
        if (BatchEntropyWeight is double beta) OptionCheck.InRange(nameof(BatchEntropyWeight), beta, 0, 1e6);
        OptionCheck.InRange(nameof(EntropyRampFraction), EntropyRampFraction, 0, 1);
        OptionCheck.GreaterThan(nameof(ReconstructionTemperature), ReconstructionTemperature, 0);
        OptionCheck.InRange(nameof(ReconstructionTemperature), ReconstructionTemperature, 0, 1e6);
        OptionCheck.InRange(nameof(WarmupEpochs), WarmupEpochs, 0, 100_000);
        OptionCheck.InRange(nameof(CollapseEntropyRatio), CollapseEntropyRatio, 0, 1);
        if (Initialization == MixtureOfAutoencodersInitialization.KMeans)
        {
            if (PretrainEpochs == 0 && PretrainedAutoencoder is null)
                throw new ArgumentOutOfRangeException(nameof(PretrainEpochs), PretrainEpochs,
                    "Initialization = KMeans clusters the codes of a pretrained autoencoder: set PretrainEpochs > 0 (e.g. 50) or pass a PretrainedAutoencoder.");
        }
        else
        {
            if (PretrainEpochs > 0)
                throw new ArgumentOutOfRangeException(nameof(PretrainEpochs), PretrainEpochs,
                    "PretrainEpochs is used only with Initialization = KMeans (Random starts from random weights); set it to 0 or choose Initialization = KMeans.");
            if (PretrainedAutoencoder is not null)
                throw new ArgumentOutOfRangeException(nameof(PretrainedAutoencoder), "a PretrainedAutoencoder is used only with Initialization = KMeans; remove it or choose Initialization = KMeans.");
        }
    }
}
