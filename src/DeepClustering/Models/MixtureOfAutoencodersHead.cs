using DeepClustering.Networks;
using DeepClustering.Persistence;
using DeepClustering.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>Everything needed to rebuild a <see cref="MixtureOfAutoencodersHead"/> (stored in model files).</summary>
/// <param name="Variant">MIXAE or DAMIC.</param>
/// <param name="Clusters">Number of autoencoders K.</param>
/// <param name="Features">Input width D.</param>
/// <param name="HiddenSizes">Encoder hidden widths of each autoencoder.</param>
/// <param name="LatentSize">Code width d of each autoencoder.</param>
/// <param name="AssignmentHiddenSize">Hidden width of the assignment network.</param>
/// <param name="Activation">Hidden activation.</param>
/// <param name="GlorotInit">Glorot-uniform (true) or PyTorch-default initialisation.</param>
/// <param name="Temperature">DAMIC's τ.</param>
public sealed record MixtureOfAutoencodersHeadConfig(
    MixtureOfAutoencodersVariant Variant,
    int Clusters,
    int Features,
    IReadOnlyList<int> HiddenSizes,
    int LatentSize,
    int AssignmentHiddenSize,
    ActivationKind Activation,
    bool GlorotInit,
    double Temperature)
{
    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range (e.g. read from a damaged file).</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Variant)) throw new ArgumentException($"unknown variant {Variant}.");
        if (!Enum.IsDefined(Activation)) throw new ArgumentException($"unknown activation {Activation}.");
        if (Clusters is < 1 or > 1000) throw new ArgumentException($"cluster count {Clusters} is out of range.");
        if (Features is < 1 or > 1 << 24) throw new ArgumentException($"feature count {Features} is out of range.");
        if (HiddenSizes is null || HiddenSizes.Count > 16 || HiddenSizes.Any(h => h is < 1 or > AutoencoderArchitecture.MaxWidth))
            throw new ArgumentException("the autoencoders' hidden sizes are out of range.");
        if (LatentSize is < 1 or > AutoencoderArchitecture.MaxWidth) throw new ArgumentException($"latent size {LatentSize} is out of range.");
        if (AssignmentHiddenSize is < 1 or > AutoencoderArchitecture.MaxWidth) throw new ArgumentException($"assignment width {AssignmentHiddenSize} is out of range.");
        if (!double.IsFinite(Temperature) || Temperature <= 0) throw new ArgumentException($"temperature {Temperature} is not positive.");
    }
}

/// <summary>One forward pass of the K autoencoders and the assignment network over a batch.</summary>
/// <param name="Codes">Codes of every autoencoder, [K, B, d].</param>
/// <param name="Reconstructions">Reconstructions of every autoencoder, [K, B, D] (scaled units).</param>
/// <param name="Errors">Relative reconstruction errors e_ik, [B, K]: mean squared error per feature divided by the
/// training data's mean feature variance.</param>
/// <param name="Logits">Assignment logits, [B, K] (MIXAE: of the assignment network on the concatenated codes;
/// DAMIC: of the gate on the input).</param>
public sealed record MixtureForward(Tensor Codes, Tensor Reconstructions, Tensor Errors, Tensor Logits);

/// <summary>
/// The clustering head of <see cref="MixtureOfAutoencoders"/>: K autoencoders stored as grouped layers (weights
/// [K, in, out], one batched matrix product per layer for all K) and an assignment network (batch normalisation of
/// its input, then width → K logits; MIXAE reads the K codes, DAMIC's gate the input). The head's codes are the K
/// codes concatenated ([B, K·d]); it does not use the pipeline's shared autoencoder.
/// </summary>
public sealed class MixtureOfAutoencodersHead : DeepClusteringHead
{
    private const string ConfigKey = "head.config";
    private const double InitialLogitScale = 0.1;
    private readonly GroupedMlp encoders;
    private readonly GroupedMlp decoders;
    private readonly Mlp assignment;
    // Standardises the assignment network's input per batch (running statistics at prediction): the raw codes of
    // all rows share a large common part, so without it every row starts on the same autoencoder.
    private readonly BatchNorm1d inputNorm;
    // 1 / mean feature variance of the training data (scaled units): turns squared errors into relative errors.
    private readonly Tensor errorScale;

    /// <summary>Builds the head on the CPU; a null generator leaves zero weights (state loaded next).</summary>
    public MixtureOfAutoencodersHead(MixtureOfAutoencodersHeadConfig config, Generator? generator) : base(nameof(MixtureOfAutoencodersHead))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        var init = config.GlorotInit ? WeightInitKind.GlorotUniform : WeightInitKind.PyTorchDefault;
        var sizes = new List<int> { config.Features };
        sizes.AddRange(config.HiddenSizes);
        sizes.Add(config.LatentSize);
        encoders = new GroupedMlp(config.Clusters, sizes, config.Activation, init, generator);
        sizes.Reverse();
        decoders = new GroupedMlp(config.Clusters, sizes, config.Activation, init, generator);
        int input = config.Variant == MixtureOfAutoencodersVariant.Mixae ? config.Clusters * config.LatentSize : config.Features;
        assignment = new Mlp(new[] { input, config.AssignmentHiddenSize, config.Clusters }, config.Activation, init, generator);
        // Small initial logits: near-uniform assignments, so that no autoencoder is favoured before any has learned.
        using (no_grad())
            foreach (var p in assignment.parameters().TakeLast(2)) p.mul_(InitialLogitScale);
        inputNorm = nn.BatchNorm1d(input, affine: false);
        errorScale = ones(1).DetachFromDisposeScope();
        RegisterComponents();
    }

    /// <summary>The head's shape and variant.</summary>
    public MixtureOfAutoencodersHeadConfig Config { get; }

    /// <inheritdoc />
    public override int Clusters => Config.Clusters;

    /// <summary>Per-fit training state: k-means pseudo-labels of the warm-up (int64, N), not saved.</summary>
    internal Tensor? PseudoLabels { get; set; }

    /// <summary>Per-fit training state: whether a collapse warning was already issued.</summary>
    internal bool CollapseReported { get; set; }

    /// <summary>Sets the factor that turns mean squared errors into relative errors (1 / mean feature variance).</summary>
    internal void SetErrorScale(double scale)
    {
        using var noGrad = no_grad();
        errorScale.fill_(scale);
    }

    /// <summary>The factor that turns mean squared errors into relative errors.</summary>
    public double ErrorScale => errorScale.item<float>();

    /// <summary>Runs all K autoencoders and the assignment network on a batch of scaled inputs [B, D].</summary>
    public MixtureForward Forward(Tensor inputs)
    {
        var codes = encoders.forward(inputs);
        var reconstructions = decoders.forward(codes);
        var errors = ErrorsOf(inputs, reconstructions);
        return new MixtureForward(codes, reconstructions, errors, LogitsOf(inputs, codes));
    }

    /// <summary>Log-assignment probabilities [B, K] from a forward pass (the prediction rule, in log space).</summary>
    public Tensor LogProbabilities(MixtureForward forward)
    {
        var logGate = nn.functional.log_softmax(forward.Logits, 1);
        if (Config.Variant == MixtureOfAutoencodersVariant.Mixae) return logGate;
        return nn.functional.log_softmax(logGate - forward.Errors / Config.Temperature, 1);
    }

    /// <inheritdoc />
    public override Tensor Codes(AutoencoderNetwork network, Tensor inputs) => Concatenate(encoders.forward(inputs));

    /// <inheritdoc />
    public override Tensor Probabilities(Tensor inputs, Tensor codes)
    {
        var grouped = Split(codes);
        if (Config.Variant == MixtureOfAutoencodersVariant.Mixae) return nn.functional.softmax(LogitsOf(inputs, grouped), 1);
        var errors = ErrorsOf(inputs, decoders.forward(grouped));
        var logGate = nn.functional.log_softmax(LogitsOf(inputs, grouped), 1);
        return nn.functional.softmax(logGate - errors / Config.Temperature, 1);
    }

    /// <summary>The reconstruction of each row by the autoencoder it is assigned to (argmax), [B, D].</summary>
    public override Tensor Reconstruction(AutoencoderNetwork network, Tensor inputs, Tensor codes)
    {
        var grouped = Split(codes);
        var reconstructions = decoders.forward(grouped);
        Tensor probabilities = Config.Variant == MixtureOfAutoencodersVariant.Mixae
            ? LogitsOf(inputs, grouped)
            : nn.functional.log_softmax(LogitsOf(inputs, grouped), 1) - ErrorsOf(inputs, reconstructions) / Config.Temperature;
        var chosen = probabilities.argmax(1); // [B]
        long b = inputs.shape[0], d = inputs.shape[1];
        var index = chosen.view(1, b, 1).expand(1, b, d);
        return reconstructions.gather(0, index).squeeze(0);
    }

    /// <summary>Relative reconstruction errors [B, K] of all autoencoders.</summary>
    public Tensor Errors(Tensor inputs) => ErrorsOf(inputs, decoders.forward(encoders.forward(inputs)));

    /// <inheritdoc />
    public override void SaveState(ModelWriter writer) => writer.Set(ConfigKey, Config);

    /// <summary>Reads the configuration written by <see cref="SaveState"/>.</summary>
    internal static MixtureOfAutoencodersHeadConfig ReadConfig(ModelReader reader)
    {
        var config = reader.Get<MixtureOfAutoencodersHeadConfig>(ConfigKey);
        try { config.Validate(); }
        catch (ArgumentException e) { throw new ModelFormatException("the stored mixture-of-autoencoders head is invalid: " + e.Message, e); }
        return config;
    }

    /// <summary>Releases the per-fit state too.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            PseudoLabels?.Dispose();
            PseudoLabels = null;
        }
        base.Dispose(disposing);
    }

    private Tensor ErrorsOf(Tensor inputs, Tensor reconstructions) =>
        (reconstructions - inputs).square().mean(new long[] { 2 }).t().mul(errorScale);

    private Tensor LogitsOf(Tensor inputs, Tensor groupedCodes)
    {
        var features = Config.Variant == MixtureOfAutoencodersVariant.Mixae ? Concatenate(groupedCodes) : inputs;
        if (inputNorm.training && features.shape[0] < 2)
        {
            // A one-row batch has no batch statistics: use the running ones.
            inputNorm.eval();
            try { return assignment.forward(inputNorm.forward(features)); }
            finally { inputNorm.train(); }
        }
        return assignment.forward(inputNorm.forward(features));
    }

    // [K, B, d] → [B, K·d] (autoencoder k's code in columns k·d .. k·d+d-1).
    private static Tensor Concatenate(Tensor grouped) => grouped.permute(1, 0, 2).reshape(grouped.shape[1], -1);

    private Tensor Split(Tensor codes) => codes.reshape(codes.shape[0], Config.Clusters, Config.LatentSize).permute(1, 0, 2);
}
