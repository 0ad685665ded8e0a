namespace DeepClustering.Training;

/// <summary>Learning-rate schedule over epochs.</summary>
public enum LearningRateSchedule
{
    /// <summary>Constant learning rate.</summary>
    None,
    /// <summary>Multiply by a factor (default 0.1) every few epochs (default a third of the epochs).</summary>
    Step,
    /// <summary>Cosine annealing from the learning rate towards zero over the epochs.</summary>
    Cosine,
}

/// <summary>Corruption applied to the inputs of a denoising autoencoder (the target stays clean).</summary>
public enum NoiseKind
{
    /// <summary>Plain autoencoder.</summary>
    None,
    /// <summary>Additive Gaussian noise; the noise level is its standard deviation (in scaled units).</summary>
    Gaussian,
    /// <summary>Masking noise: each input value is set to zero with probability equal to the noise level.</summary>
    Masking,
}
