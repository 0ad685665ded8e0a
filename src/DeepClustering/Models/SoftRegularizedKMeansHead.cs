using DeepClustering.Networks;
using DeepClustering.Persistence;
using DeepClustering.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// The clustering state of SR-K-means: the soft means θ (K x d) of the bounded codes and the log-share biases
/// b_k = ½ log(mean_i q_ik), both buffers (set in closed form, never by gradients). Codes are bounded in
/// [−1, 1]: when the network has no tanh bottleneck (e.g. a shared pretrained autoencoder with linear codes) the
/// head applies tanh itself, because the network term of the loss is linear in the code and unbounded below
/// otherwise.
/// </summary>
public sealed class SoftRegularizedKMeansHead : DeepClusteringHead
{
    private readonly Tensor centres;
    private readonly Tensor bias;
    private double[]? codeOffset;
    private double codeScale = 1;

    /// <summary>Creates the head with zero centres and uniform shares (set by the fit or a loaded file).</summary>
    /// <param name="clusters">K.</param>
    /// <param name="latentSize">Width d of the codes.</param>
    /// <param name="temperature">T = λ·K.</param>
    /// <param name="boundCodes">Apply tanh to the network's codes (true when the network has no tanh bottleneck).</param>
    /// <param name="prediction">Prediction rule.</param>
    public SoftRegularizedKMeansHead(int clusters, int latentSize, double temperature, bool boundCodes, SoftRegularizedKMeansPrediction prediction)
        : base(nameof(SoftRegularizedKMeansHead))
    {
        if (clusters < 1) throw new ArgumentOutOfRangeException(nameof(clusters), clusters, "clusters must be at least 1.");
        if (latentSize < 1) throw new ArgumentOutOfRangeException(nameof(latentSize), latentSize, "latentSize must be at least 1.");
        if (!double.IsFinite(temperature) || temperature <= 0)
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be a positive finite number.");
        if (!Enum.IsDefined(prediction)) throw new ArgumentOutOfRangeException(nameof(prediction), prediction, "unknown prediction rule.");
        Clusters = clusters;
        Temperature = temperature;
        BoundCodes = boundCodes;
        Prediction = prediction;
        centres = zeros(clusters, latentSize);
        bias = full(clusters, Math.Log(1.0 / clusters) / 2);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override int Clusters { get; }

    /// <summary>Temperature T.</summary>
    public double Temperature { get; }

    /// <summary>Whether the head applies tanh to the network's codes.</summary>
    public bool BoundCodes { get; }

    /// <summary>Prediction rule.</summary>
    public SoftRegularizedKMeansPrediction Prediction { get; }

    /// <summary>Centres θ (K x d; the head's buffer, do not modify).</summary>
    public Tensor Centres => centres;

    /// <summary>Biases b_k = ½ log(mean_i q_ik) of the logistic posterior (K; the head's buffer, do not modify).</summary>
    public Tensor Bias => bias;

    /// <summary>Per-fit state of the estimator (soft assignments of the training rows); null outside a fit.</summary>
    internal SoftRegularizedKMeansTrainingState? Training { get; set; }

    /// <inheritdoc />
    public override Tensor Codes(AutoencoderNetwork network, Tensor inputs) => Bound(network.Encode(inputs));

    /// <inheritdoc />
    public override Tensor Reconstruction(AutoencoderNetwork network, Tensor inputs, Tensor codes) =>
        BoundCodes ? network.forward(inputs) : network.Decode(codes);

    /// <summary>Applies the head's bound to raw network codes (tanh when <see cref="BoundCodes"/>).</summary>
    public Tensor Bound(Tensor rawCodes)
    {
        ArgumentNullException.ThrowIfNull(rawCodes);
        if (!BoundCodes) return rawCodes;
        if (codeOffset is null) return rawCodes.tanh();
        using var scope = NewDisposeScope();
        var offset = tensor(codeOffset, device: rawCodes.device).to(rawCodes.dtype);
        return rawCodes.sub(offset).div(codeScale).tanh().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Offset subtracted from raw codes before the head's tanh (<see cref="BoundCodes"/> only); null when none. Set
    /// from the pretrained codes at the start of a fit, so that an unbounded code (values far outside [−1, 1]) is
    /// not saturated by the tanh: every code would then sit in a corner and clusters would merge.
    /// </summary>
    public IReadOnlyList<double>? CodeOffset => codeOffset;

    /// <summary>Divisor applied after <see cref="CodeOffset"/> and before the head's tanh (1 when none).</summary>
    public double CodeScale => codeScale;

    /// <summary>Sets <see cref="CodeOffset"/> and <see cref="CodeScale"/> (only for a head that bounds the codes).</summary>
    internal void SetCodeStandardisation(double[] offset, double scale)
    {
        if (!BoundCodes) throw new InvalidOperationException("only a head that bounds the codes standardises them.");
        if (offset.Length != centres.shape[1]) throw new ArgumentException($"offset has {offset.Length} entries; the code has {centres.shape[1]}.", nameof(offset));
        if (!double.IsFinite(scale) || scale <= 0 || offset.Any(v => !double.IsFinite(v)))
            throw new ArgumentException($"the code standardisation must be finite with a positive scale; got scale {scale}.", nameof(scale));
        codeOffset = offset.ToArray();
        codeScale = scale;
    }

    /// <inheritdoc />
    public override Tensor Probabilities(Tensor inputs, Tensor codes)
    {
        using var scope = NewDisposeScope();
        var logits = Prediction == SoftRegularizedKMeansPrediction.Logistic
            ? codes.matmul(centres.t()).div_(Temperature).add_(bias.unsqueeze(0))
            : Mixtures.SoftKMeansMath.SquaredDistances(codes, centres).div_(-Temperature);
        return logits.softmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>Sets θ and the biases from the soft means and the soft counts (K) of N rows.</summary>
    internal void SetState(Tensor newCentres, Tensor counts, long rows)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        centres.copy_(newCentres);
        // b_k = ½ log(mean_i q_ik), floored so that an (almost) empty cluster keeps a finite bias.
        bias.copy_((counts.to(ScalarType.Float64) / rows).clamp_min(1e-12).log_().mul_(0.5));
    }

    /// <inheritdoc />
    public override void SaveState(ModelWriter writer)
    {
        writer.Set("head.latentSize", (int)centres.shape[1]);
        writer.Set("head.temperature", Temperature);
        writer.Set("head.boundCodes", BoundCodes);
        writer.Set("head.prediction", Prediction);
        if (codeOffset is not null)
        {
            writer.Set("head.codeOffset", codeOffset);
            writer.Set("head.codeScale", codeScale);
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Training?.Dispose();
            Training = null;
        }
        base.Dispose(disposing);
    }
}
