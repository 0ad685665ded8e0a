using DeepClustering.Core;
using DeepClustering.Networks;
using DeepClustering.Training;

namespace DeepClustering.Models;

/// <summary>
/// Settings of <see cref="NeuralMixtureEm"/>. The network options of <see cref="DeepClusteringOptions"/> describe the
/// backbone (its encoder is used; the decoder is only trained when the model is pretrained as an autoencoder).
/// Defaults that differ from the other deep models: no autoencoder pretraining (<see cref="DeepClusteringOptions.PretrainEpochs"/>
/// = 0, the network learns from scratch), a 32-wide code, Adam at 1e-3, 60 epochs (on MNIST-test, seed 0, ACC rose from
/// 0.934 after 30 epochs to 0.960 after 60; see the README results), the convolutional backbone for images of 16x16
/// and larger (<see cref="NetworkKind.Auto"/>), and 3 restarts compared after 10 warm-up epochs
/// (<see cref="DeepClusteringOptions.Restarts"/>): a single fit from scratch sometimes settles early on a partition that
/// merges two digits and splits a third, and that shows in its loss (README results).
/// </summary>
public sealed record NeuralMixtureEmOptions : DeepClusteringOptions
{
    /// <summary>Creates the options with this model's defaults.</summary>
    public NeuralMixtureEmOptions()
    {
        PretrainEpochs = 0;
        LatentSize = 32;
        LearningRate = 1e-3;
        Epochs = 60;
        Network = NetworkKind.Auto;
        Restarts = 3;
    }

    /// <summary>How the last layer's neurons are given equal mass, which makes them cluster densities.</summary>
    public DensityNormalization Normalization { get; init; } = DensityNormalization.Data;

    /// <summary>τ in f_k = 2σ(score_k / τ): smaller values give sharper densities and more confident responsibilities.</summary>
    public double Temperature { get; init; } = 0.1;

    /// <summary>
    /// Tempering T of the E-step, γ ∝ (π_k f_k)^(1/T). With flexible neural densities the mixture likelihood has
    /// many equally good maxima, among them the trivial one where every density is flat over the data; exact
    /// responsibilities (T = 1) let EM drift there. T &lt; 1 sharpens the responsibilities, so each M-step
    /// concentrates every density a little more on the rows its cluster already holds.
    /// </summary>
    public double EStepTemperature { get; init; } = 0.5;

    /// <summary>Weight of the EM objective (the M-step loss on the E-step's responsibilities); 0 leaves consistency alone.</summary>
    public double EmWeight { get; init; } = 1;

    /// <summary>
    /// Weight of the consistency objective between two augmented views of every row; 0 gives pure neural EM (the
    /// views then only feed the M-step when <see cref="Augment"/> is on).
    /// </summary>
    public double ConsistencyWeight { get; init; } = 1;

    /// <summary>Weight of the batch-balance term KL(mean posterior ‖ uniform), the main guard against collapse.</summary>
    public double BalanceWeight { get; init; } = 1;

    /// <summary>
    /// Fit the M-step and the consistency term on two random views of each batch (true), or on the batch itself
    /// (false; requires <see cref="ConsistencyWeight"/> = 0).
    /// </summary>
    public bool Augment { get; init; } = true;

    /// <summary>
    /// Learn the mixing weights π by the batch M-step (true) or keep them uniform (false, the default). Learned
    /// weights let a growing cluster raise its prior and take rows from the others (rich get richer); on the balanced
    /// image benchmarks that starved clusters, so they are off unless the clusters are known to be uneven.
    /// </summary>
    public bool LearnMixingWeights { get; init; }

    /// <summary>Epochs at the start during which π stays uniform, so that early, unreliable assignments cannot starve clusters.</summary>
    public int UniformMixingEpochs { get; init; } = 5;

    /// <summary>Step ρ of the running batch M-step π ← (1 − ρ)π + ρ·mean γ.</summary>
    public double MixingRate { get; init; } = 0.05;

    /// <summary>Smallest mixing weight as a fraction of the uniform weight 1/K (keeps every cluster reachable).</summary>
    public double MixingFloor { get; init; } = 0.1;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        OptionCheck.Defined(nameof(Normalization), Normalization);
        OptionCheck.GreaterThan(nameof(Temperature), Temperature, 0);
        OptionCheck.InRange(nameof(Temperature), Temperature, 1e-4, 100);
        OptionCheck.GreaterThan(nameof(EStepTemperature), EStepTemperature, 0);
        OptionCheck.InRange(nameof(EStepTemperature), EStepTemperature, 0.01, 10);
        OptionCheck.InRange(nameof(EmWeight), EmWeight, 0, 1e6);
        OptionCheck.InRange(nameof(ConsistencyWeight), ConsistencyWeight, 0, 1e6);
        OptionCheck.InRange(nameof(BalanceWeight), BalanceWeight, 0, 1e6);
        if (EmWeight == 0 && ConsistencyWeight == 0)
            throw new ArgumentOutOfRangeException(nameof(EmWeight), EmWeight, "EmWeight and ConsistencyWeight are both 0: nothing would be trained. Set EmWeight > 0 (neural EM), ConsistencyWeight > 0, or both.");
        if (ConsistencyWeight > 0 && !Augment)
            throw new ArgumentOutOfRangeException(nameof(ConsistencyWeight), ConsistencyWeight, "ConsistencyWeight > 0 compares two augmented views and needs Augment = true; set ConsistencyWeight = 0 for pure EM on the rows themselves.");
        OptionCheck.InRange(nameof(UniformMixingEpochs), UniformMixingEpochs, 0);
        OptionCheck.GreaterThan(nameof(MixingRate), MixingRate, 0);
        OptionCheck.InRange(nameof(MixingRate), MixingRate, 0, 1);
        OptionCheck.InRange(nameof(MixingFloor), MixingFloor, 0, 1);
    }
}
