using DeepClustering.Data;
using static TorchSharp.torch;

namespace DeepClustering.Networks;

/// <summary>
/// Everything needed to rebuild an autoencoder (stored in model files next to its weights).
/// </summary>
/// <param name="Kind">MLP or convolutional.</param>
/// <param name="InputSize">Width of a flattened input row.</param>
/// <param name="HiddenSizes">MLP: encoder hidden widths (the decoder mirrors them). Convolutional: channels of the
/// stride-2 convolutions.</param>
/// <param name="LatentSize">Width of the code.</param>
/// <param name="Activation">Hidden activation.</param>
/// <param name="TanhBottleneck">Whether the code goes through tanh (bounded codes, as SR-K-means needs).</param>
/// <param name="GlorotInit">Glorot-uniform weights and zero biases instead of PyTorch's default initialisation.</param>
/// <param name="Image">Image shape; required for <see cref="NetworkKind.Convolutional"/>.</param>
public sealed record AutoencoderArchitecture(
    NetworkKind Kind,
    int InputSize,
    IReadOnlyList<int> HiddenSizes,
    int LatentSize,
    ActivationKind Activation = ActivationKind.ReLU,
    bool TanhBottleneck = false,
    bool GlorotInit = true,
    ImageShape? Image = null)
{
    /// <summary>Largest layer width accepted (guards against absurd sizes, e.g. from a damaged model file).</summary>
    public const int MaxWidth = 1 << 16;

    /// <summary>
    /// Default hidden widths for an input width: the DEC-style 500-500-2000 for 100 or more features (MNIST, USPS),
    /// 128-64 for 32..99 features, 64-64 for smaller tabular data; convolutional: 32-64-128 channels.
    /// </summary>
    public static IReadOnlyList<int> DefaultHiddenSizes(NetworkKind kind, int inputSize) => kind switch
    {
        NetworkKind.Convolutional => new[] { 32, 64, 128 },
        _ when inputSize >= 100 => new[] { 500, 500, 2000 },
        _ when inputSize >= 32 => new[] { 128, 64 },
        _ => new[] { 64, 64 },
    };

    /// <summary>
    /// Checks the sizes (and, for convolutional networks, that the image is large enough); throws
    /// <see cref="ArgumentException"/> naming the problem.
    /// </summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"unknown network kind {Kind}.");
        if (!Enum.IsDefined(Activation)) throw new ArgumentException($"unknown activation {Activation}.");
        if (InputSize is < 1 or > 1 << 24) throw new ArgumentException($"input size {InputSize} is out of range.");
        if (LatentSize is < 1 or > MaxWidth) throw new ArgumentException($"LatentSize must be in [1, {MaxWidth}]; got {LatentSize}.");
        if (HiddenSizes is null) throw new ArgumentException("HiddenSizes is null.");
        foreach (var h in HiddenSizes)
            if (h is < 1 or > MaxWidth) throw new ArgumentException($"HiddenSizes entries must be in [1, {MaxWidth}]; got {h}.");
        if (HiddenSizes.Count > 16) throw new ArgumentException($"at most 16 hidden layers are supported; got {HiddenSizes.Count}.");
        if (Kind == NetworkKind.Auto) throw new ArgumentException("Network = Auto is resolved against the data when fitting; an architecture needs Mlp or Convolutional.");
        if (Kind == NetworkKind.Convolutional)
        {
            if (Image is null) throw new ArgumentException("Network = Convolutional needs image data (a dataset with an ImageShape); use Network = Mlp for tabular data.");
            if (Image.Size != InputSize) throw new ArgumentException($"image shape {Image.Channels}x{Image.Height}x{Image.Width} does not match input size {InputSize}.");
            if (HiddenSizes.Count == 0) throw new ArgumentException("a convolutional autoencoder needs at least one entry in HiddenSizes (channels).");
            ConvAutoencoder.Plan(Image, HiddenSizes.Count);
        }
    }

    /// <summary>Number of trainable parameters.</summary>
    public long ParameterCount()
    {
        using var net = Create(null);
        return net.parameters().Sum(p => p.numel());
    }

    /// <summary>
    /// Builds the network on the CPU with weights drawn from <paramref name="generator"/> (null: zeros, for loading).
    /// Move it to the compute device afterwards.
    /// </summary>
    public AutoencoderNetwork Create(Generator? generator)
    {
        Validate();
        return Kind == NetworkKind.Convolutional ? new ConvAutoencoder(this, generator) : new MlpAutoencoder(this, generator);
    }

    /// <summary>Value equality including the hidden sizes' contents.</summary>
    public bool Equals(AutoencoderArchitecture? other) =>
        other is not null && Kind == other.Kind && InputSize == other.InputSize && LatentSize == other.LatentSize
        && Activation == other.Activation && TanhBottleneck == other.TanhBottleneck && GlorotInit == other.GlorotInit
        && Equals(Image, other.Image) && HiddenSizes.SequenceEqual(other.HiddenSizes);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, InputSize, LatentSize, Activation, HiddenSizes.Count);

    /// <summary>A short description such as "MLP 784-500-500-2000-10 ReLU".</summary>
    public override string ToString() => Kind == NetworkKind.Mlp
        ? $"MLP {InputSize}-{string.Join("-", HiddenSizes)}-{LatentSize} {Activation}{(TanhBottleneck ? " tanh-code" : "")}"
        : $"Conv {Image?.Channels}x{Image?.Height}x{Image?.Width} channels {string.Join("-", HiddenSizes)} code {LatentSize} {Activation}{(TanhBottleneck ? " tanh-code" : "")}";
}
