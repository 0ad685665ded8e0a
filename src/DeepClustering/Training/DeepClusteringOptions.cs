using System.Text.Json.Serialization;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Mixtures;
using DeepClustering.Networks;

namespace DeepClustering.Training;

/// <summary>How the clustering state of a deep model is first set from the pretrained codes.</summary>
public enum InitialClusteringKind
{
    /// <summary>k-means (k-means++ seeding, several restarts) on the latent codes.</summary>
    KMeans,
    /// <summary>A diagonal-covariance Gaussian mixture on the latent codes.</summary>
    GaussianMixture,
}

/// <summary>What a fit does when one cluster takes (almost) every row.</summary>
public enum CollapseBehavior
{
    /// <summary>Report it (progress message, <see cref="FitSummary.Warnings"/>, log) and go on.</summary>
    Warn,
    /// <summary>Stop with a <see cref="ClusteringNumericsException"/>.</summary>
    Throw,
}

/// <summary>
/// Options shared by every deep clustering model: network, pretraining, initial clustering, joint training and
/// collapse detection. Models derive their own record and add their loss weights.
/// </summary>
public abstract record DeepClusteringOptions : ClusteringOptions
{
    /// <summary>Number of clusters K.</summary>
    public int Clusters { get; init; } = 10;

    /// <summary>Width of the latent code; null means max(2, min(10, <see cref="Clusters"/>)) (10 for MNIST).</summary>
    public int? LatentSize { get; init; }

    /// <summary>
    /// MLP: encoder hidden widths (the decoder mirrors them); convolutional: channels. Null picks the default for
    /// the input width: 500-500-2000 (DEC) for 100 or more features, 128-64 for 32..99, 64-64 below.
    /// </summary>
    public IReadOnlyList<int>? HiddenSizes { get; init; }

    /// <summary>MLP (any data) or convolutional (image datasets).</summary>
    public NetworkKind Network { get; init; } = NetworkKind.Mlp;

    /// <summary>Hidden activation.</summary>
    public ActivationKind Activation { get; init; } = ActivationKind.ReLU;

    /// <summary>Glorot-uniform weights and zero biases (true) or PyTorch's default initialisation (false).</summary>
    public bool GlorotInit { get; init; } = true;

    /// <summary>Pass the code through tanh (bounded codes).</summary>
    public bool TanhBottleneck { get; init; }

    /// <summary>
    /// Input scaling, fitted on the training data and stored with the network. Null (default): images (datasets
    /// with an ImageShape) are used as given, tabular data are standardised; with a tanh code, images whose
    /// values leave [0, 1] are standardised too (raw pixel values saturate the tanh and stall pretraining).
    /// </summary>
    public ScalerKind? Scaler { get; init; }

    /// <summary>Mini-batch size of pretraining and joint training.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Autoencoder pretraining epochs (0: start from random weights; ignored with a pretrained autoencoder).</summary>
    public int PretrainEpochs { get; init; } = 50;

    /// <summary>Adam learning rate of pretraining.</summary>
    public double PretrainLearningRate { get; init; } = 1e-3;

    /// <summary>Learning-rate schedule of pretraining.</summary>
    public LearningRateSchedule PretrainSchedule { get; init; } = LearningRateSchedule.None;

    /// <summary>Denoising corruption during pretraining.</summary>
    public NoiseKind PretrainNoise { get; init; } = NoiseKind.None;

    /// <summary>Gaussian noise standard deviation or masked fraction of <see cref="PretrainNoise"/>.</summary>
    public double PretrainNoiseLevel { get; init; } = 0.2;

    /// <summary>
    /// Pretrain on random views of each batch (<see cref="Augmentation"/>), each reconstructed as itself (DEC-DA's
    /// pretraining): codes that vary less with small shifts and rotations cluster better. Null (default): the model's
    /// choice, which is off except where a model's guide says otherwise (AE-CM, and DAMIC's k-means initialisation, on
    /// images of at least 16×16 pixels).
    /// </summary>
    public bool? PretrainAugment { get; init; }

    /// <summary>
    /// Train jointly on random views of each batch (<see cref="Augmentation"/>) instead of the rows themselves, so the
    /// clustering objective, like <see cref="PretrainAugment"/>'s reconstruction, sees shifted and rotated digits
    /// (DEC-DA's fine-tuning). The model's per-epoch steps (centres, targets, initial clustering) use the rows. Null
    /// (default): the model's choice, as for <see cref="PretrainAugment"/>.
    /// </summary>
    public bool? JointAugment { get; init; }

    /// <summary>
    /// Whether a model trains on random views when <see cref="PretrainAugment"/> or <see cref="JointAugment"/> is null,
    /// for data of this image shape (null: tabular). False unless a model overrides it.
    /// </summary>
    protected virtual bool AugmentsByDefault(ImageShape? image) => false;

    /// <summary><see cref="PretrainAugment"/>, or the model's choice for this image shape when it is null.</summary>
    internal bool ResolvePretrainAugment(ImageShape? image) => PretrainAugment ?? AugmentsByDefault(image);

    /// <summary><see cref="JointAugment"/>, or the model's choice for this image shape when it is null.</summary>
    internal bool ResolveJointAugment(ImageShape? image) => JointAugment ?? AugmentsByDefault(image);

    /// <summary>
    /// What random views change (image geometry and pixel noise, or tabular noise and feature dropout): used by
    /// <see cref="PretrainAugment"/> and by models that train on views.
    /// </summary>
    public AugmentationOptions Augmentation { get; init; } = new();

    /// <summary>L2 weight decay of pretraining and joint training.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Joint-training epochs (network and clustering objective together).</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>Adam learning rate of joint training.</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>
    /// A pretrained autoencoder to start from instead of pretraining (its architecture and scaler then replace the
    /// network and scaler options). The model fine-tunes a copy; the object is not changed or disposed. Not saved
    /// with the options.
    /// </summary>
    [JsonIgnore]
    public Autoencoder? PretrainedAutoencoder { get; init; }

    /// <summary>Clustering of the pretrained codes that initialises the model's clustering state.</summary>
    public InitialClusteringKind InitialClustering { get; init; } = InitialClusteringKind.KMeans;

    /// <summary>Restarts of the initial clustering (best objective kept).</summary>
    public int InitialClusteringRestarts { get; init; } = 10;

    /// <summary>
    /// Covariance structure of the Gaussian mixture when <see cref="InitialClustering"/> is
    /// <see cref="InitialClusteringKind.GaussianMixture"/> (ignored for k-means). Default diagonal.
    /// </summary>
    public CovarianceType InitialClusteringCovariance { get; init; } = CovarianceType.Diagonal;

    /// <summary>
    /// Independent attempts of the whole fit (scikit-learn's <c>n_init</c>): each builds, pretrains and initialises its
    /// own network from its own random stream and trains for <see cref="RestartEpochs"/> epochs; the attempt with the
    /// lowest loss in its last warm-up epoch trains on to <see cref="DeepClusteringOptions.Epochs"/>, the others are
    /// dropped. 1 (the default) is a single fit. Costs about (Restarts − 1) × (pretraining + RestartEpochs) epochs more.
    /// </summary>
    public int Restarts { get; init; } = 1;

    /// <summary>Warm-up epochs of joint training after which the restarts are compared (capped at the training epochs).</summary>
    public int RestartEpochs { get; init; } = 10;

    /// <summary>Share of all rows in the largest cluster from which a fit counts as collapsed.</summary>
    public double CollapseThreshold { get; init; } = 0.95;

    /// <summary>Whether a collapse only warns or stops the fit.</summary>
    public CollapseBehavior OnCollapse { get; init; } = CollapseBehavior.Warn;

    /// <summary>The latent width actually used.</summary>
    public int ResolvedLatentSize => LatentSize ?? Math.Max(2, Math.Min(10, Clusters));

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        OptionCheck.InRange(nameof(Clusters), Clusters, 1, 100_000);
        if (LatentSize is int d) OptionCheck.InRange(nameof(LatentSize), d, 1, AutoencoderArchitecture.MaxWidth);
        if (HiddenSizes is not null)
        {
            if (HiddenSizes.Count > 16) throw new ArgumentOutOfRangeException(nameof(HiddenSizes), HiddenSizes.Count, "HiddenSizes may list at most 16 layers.");
            foreach (var h in HiddenSizes) OptionCheck.InRange(nameof(HiddenSizes), h, 1, AutoencoderArchitecture.MaxWidth);
        }
        OptionCheck.Defined(nameof(Network), Network);
        OptionCheck.Defined(nameof(Activation), Activation);
        if (Scaler is ScalerKind s) OptionCheck.Defined(nameof(Scaler), s);
        OptionCheck.InRange(nameof(PretrainEpochs), PretrainEpochs, 0);
        PretrainSettings.Check(nameof(BatchSize), BatchSize, nameof(PretrainLearningRate), PretrainLearningRate,
            nameof(PretrainSchedule), PretrainSchedule, nameof(PretrainSchedule), null, nameof(PretrainSchedule), 0.1,
            nameof(PretrainNoise), PretrainNoise, nameof(PretrainNoiseLevel), PretrainNoiseLevel, nameof(WeightDecay), WeightDecay);
        AugmentationOptions.ValidateOption(nameof(Augmentation), Augmentation);
        OptionCheck.InRange(nameof(Epochs), Epochs, 0);
        OptionCheck.GreaterThan(nameof(LearningRate), LearningRate, 0);
        OptionCheck.InRange(nameof(LearningRate), LearningRate, 0, 10);
        OptionCheck.Defined(nameof(InitialClustering), InitialClustering);
        OptionCheck.InRange(nameof(InitialClusteringRestarts), InitialClusteringRestarts, 1, 1000);
        OptionCheck.Defined(nameof(InitialClusteringCovariance), InitialClusteringCovariance);
        OptionCheck.InRange(nameof(Restarts), Restarts, 1, 100);
        OptionCheck.InRange(nameof(RestartEpochs), RestartEpochs, 1);
        OptionCheck.InRange(nameof(CollapseThreshold), CollapseThreshold, 0.01, 1);
        OptionCheck.Defined(nameof(OnCollapse), OnCollapse);
    }

    /// <summary>The pretraining settings these options describe.</summary>
    internal PretrainSettings ToPretrainSettings(ImageShape? image) => new(PretrainEpochs, BatchSize, PretrainLearningRate, PretrainSchedule, null, 0.1,
        PretrainNoise, PretrainNoiseLevel, WeightDecay, nameof(PretrainLearningRate), ResolvePretrainAugment(image) ? Augmentation : null);

    /// <summary>
    /// Equivalent <see cref="AutoencoderTrainerOptions"/>, to pretrain an autoencoder once with exactly the settings
    /// a deep model would use and then share it between models.
    /// </summary>
    /// <param name="data">
    /// The data the autoencoder will be trained on: it resolves a null <see cref="PretrainAugment"/> as the model
    /// would for them. Without it a null <see cref="PretrainAugment"/> counts as false.
    /// </param>
    public AutoencoderTrainerOptions ToAutoencoderTrainerOptions(Dataset? data = null) => new()
    {
        Seed = Seed,
        Device = Device,
        Network = Network,
        LatentSize = ResolvedLatentSize,
        HiddenSizes = HiddenSizes,
        Activation = Activation,
        GlorotInit = GlorotInit,
        TanhBottleneck = TanhBottleneck,
        Scaler = Scaler,
        Epochs = Math.Max(1, PretrainEpochs),
        BatchSize = BatchSize,
        LearningRate = PretrainLearningRate,
        Schedule = PretrainSchedule,
        Noise = PretrainNoise,
        NoiseLevel = PretrainNoiseLevel,
        WeightDecay = WeightDecay,
        Augment = data is null ? PretrainAugment ?? false : ResolvePretrainAugment(data.Image),
        Augmentation = Augmentation,
    };
}
