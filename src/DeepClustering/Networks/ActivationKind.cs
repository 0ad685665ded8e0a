namespace DeepClustering.Networks;

/// <summary>Hidden-layer activation of the library's networks.</summary>
public enum ActivationKind
{
    /// <summary>Rectified linear unit, max(0, x).</summary>
    ReLU,
    /// <summary>Leaky ReLU with negative slope 0.2 (the AE-CM setting).</summary>
    LeakyReLU,
}

/// <summary>Which autoencoder family to build.</summary>
public enum NetworkKind
{
    /// <summary>Fully connected encoder and mirrored decoder (any data).</summary>
    Mlp,
    /// <summary>Convolutional encoder and transposed-convolution decoder (image data with a known <see cref="Data.ImageShape"/>).</summary>
    Convolutional,
    /// <summary>
    /// <see cref="Convolutional"/> for images of at least 16x16 pixels (what its stride-2 layers need), else
    /// <see cref="Mlp"/>; resolved when fitting, and the fitted architecture records the kind chosen.
    /// </summary>
    Auto,
}

/// <summary>How weights are initialised.</summary>
public enum WeightInitKind
{
    /// <summary>PyTorch's default for linear and convolution layers: weights and biases uniform in ±1/√fan_in.</summary>
    PyTorchDefault,
    /// <summary>Glorot (Xavier) uniform weights, ±√(6/(fan_in+fan_out)), and zero biases (Keras' default; used by AE-CM).</summary>
    GlorotUniform,
}
