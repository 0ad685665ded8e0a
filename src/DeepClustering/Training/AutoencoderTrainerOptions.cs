using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Networks;

namespace DeepClustering.Training;

/// <summary>
/// Architecture and training settings of <see cref="AutoencoderTrainer"/> (reconstruction pretraining with Adam and
/// mean-squared error). Defaults: the DEC-style MLP (500-500-2000 hidden layers for 100 or more features, smaller
/// for small tabular data), 10-d code, 50 epochs, batch 256, learning rate 1e-3.
/// </summary>
public sealed record AutoencoderTrainerOptions : ClusteringOptions
{
    /// <summary>MLP (any data) or convolutional (image data).</summary>
    public NetworkKind Network { get; init; } = NetworkKind.Mlp;

    /// <summary>Width of the latent code.</summary>
    public int LatentSize { get; init; } = 10;

    /// <summary>
    /// MLP: encoder hidden widths (decoder mirrored); convolutional: channels. Null picks
    /// <see cref="AutoencoderArchitecture.DefaultHiddenSizes"/> for the input width.
    /// </summary>
    public IReadOnlyList<int>? HiddenSizes { get; init; }

    /// <summary>Hidden activation.</summary>
    public ActivationKind Activation { get; init; } = ActivationKind.ReLU;

    /// <summary>Glorot-uniform weights and zero biases (true) or PyTorch's default initialisation (false).</summary>
    public bool GlorotInit { get; init; } = true;

    /// <summary>Pass the code through tanh.</summary>
    public bool TanhBottleneck { get; init; }

    /// <summary>
    /// Input scaling, fitted on the training data and stored with the network. Null (default): images (datasets
    /// with an ImageShape) are used as given, tabular data are standardised; with a tanh code, images whose
    /// values leave [0, 1] are standardised too (raw pixel values saturate the tanh and stall pretraining).
    /// </summary>
    public ScalerKind? Scaler { get; init; }

    /// <summary>Training epochs.</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Learning-rate schedule.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.None;

    /// <summary>Epochs between decays of the step schedule; null means a third of <see cref="Epochs"/>.</summary>
    public int? ScheduleStepEpochs { get; init; }

    /// <summary>Factor applied at each decay of the step schedule.</summary>
    public double ScheduleFactor { get; init; } = 0.1;

    /// <summary>Input corruption for a denoising autoencoder.</summary>
    public NoiseKind Noise { get; init; } = NoiseKind.None;

    /// <summary>Gaussian noise standard deviation, or the masked fraction for masking noise.</summary>
    public double NoiseLevel { get; init; } = 0.2;

    /// <summary>L2 weight decay added to the gradient (Adam's weight_decay).</summary>
    public double WeightDecay { get; init; }

    /// <summary>
    /// Train on random views of each batch (<see cref="Augmentation"/>), each reconstructed as itself (DEC-DA's
    /// pretraining). The codes then vary less with small shifts and rotations, which helps clustering them.
    /// </summary>
    public bool Augment { get; init; }

    /// <summary>What the random views of <see cref="Augment"/> change.</summary>
    public AugmentationOptions Augmentation { get; init; } = new();

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        OptionCheck.Defined(nameof(Network), Network);
        OptionCheck.InRange(nameof(LatentSize), LatentSize, 1, AutoencoderArchitecture.MaxWidth);
        if (HiddenSizes is not null)
            foreach (var h in HiddenSizes) OptionCheck.InRange(nameof(HiddenSizes), h, 1, AutoencoderArchitecture.MaxWidth);
        OptionCheck.Defined(nameof(Activation), Activation);
        if (Scaler is ScalerKind s) OptionCheck.Defined(nameof(Scaler), s);
        OptionCheck.InRange(nameof(Epochs), Epochs, 1);
        PretrainSettings.Check(nameof(BatchSize), BatchSize, nameof(LearningRate), LearningRate, nameof(Schedule), Schedule,
            nameof(ScheduleStepEpochs), ScheduleStepEpochs, nameof(ScheduleFactor), ScheduleFactor, nameof(Noise), Noise,
            nameof(NoiseLevel), NoiseLevel, nameof(WeightDecay), WeightDecay);
        AugmentationOptions.ValidateOption(nameof(Augmentation), Augmentation);
    }

    internal PretrainSettings ToSettings() => new(Epochs, BatchSize, LearningRate, Schedule, ScheduleStepEpochs, ScheduleFactor,
        Noise, NoiseLevel, WeightDecay, nameof(LearningRate), Augment ? Augmentation : null);
}
