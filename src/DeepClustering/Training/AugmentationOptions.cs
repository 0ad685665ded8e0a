using DeepClustering.Core;

namespace DeepClustering.Training;

/// <summary>
/// How <see cref="Augmentation"/> draws a random view of a batch. Images (rows with an image shape) get a random
/// affine transform (rotation, shear, scale, translation), a random crop resized back to full size, and additive
/// Gaussian pixel noise, all in one batched resampling; tabular rows get Gaussian noise and feature dropout. Every
/// value comes from the fit's generator. Setting a field to its neutral value (0, or 1 for the scale and crop
/// bounds) switches that part off.
/// </summary>
public sealed record AugmentationOptions
{
    /// <summary>Largest rotation in degrees; each view rotates by an angle uniform in ±this.</summary>
    public double Rotation { get; init; } = 15;

    /// <summary>Largest shear angle in degrees (horizontal shear, uniform in ±this).</summary>
    public double Shear { get; init; } = 10;

    /// <summary>Largest shift as a fraction of the image width/height (uniform in ±this per axis).</summary>
    public double Translation { get; init; } = 0.1;

    /// <summary>Smallest isotropic scale of the content (below 1 shrinks it).</summary>
    public double MinScale { get; init; } = 0.9;

    /// <summary>Largest isotropic scale of the content (above 1 enlarges it).</summary>
    public double MaxScale { get; init; } = 1.1;

    /// <summary>
    /// Smallest side of the random crop as a fraction of the image side; the crop (side uniform in
    /// [this, 1], position uniform inside the image) is resized back to the full image. 1 disables cropping.
    /// </summary>
    public double MinCrop { get; init; } = 0.85;

    /// <summary>Standard deviation of the Gaussian noise added to every pixel (in scaled units).</summary>
    public double PixelNoise { get; init; } = 0.05;

    /// <summary>Tabular data: standard deviation of the Gaussian noise added to every feature (in scaled units).</summary>
    public double FeatureNoise { get; init; } = 0.1;

    /// <summary>Tabular data: probability that a feature is set to zero (the mean, for standardised features).</summary>
    public double FeatureDropout { get; init; } = 0.1;

    /// <summary>Views equal to the input: every part switched off.</summary>
    public static AugmentationOptions None { get; } = new()
    {
        Rotation = 0, Shear = 0, Translation = 0, MinScale = 1, MaxScale = 1, MinCrop = 1, PixelNoise = 0, FeatureNoise = 0, FeatureDropout = 0,
    };

    /// <summary>Whether image views differ from the input (some geometric part or pixel noise is on).</summary>
    public bool ChangesImages => Rotation != 0 || Shear != 0 || Translation != 0 || MinScale != 1 || MaxScale != 1 || MinCrop != 1 || PixelNoise != 0;

    /// <summary>Whether tabular views differ from the input.</summary>
    public bool ChangesTables => FeatureNoise != 0 || FeatureDropout != 0;

    /// <summary>
    /// Checks an options property that holds augmentation settings: not null (<see cref="None"/> switches every part
    /// off), then every field as <see cref="Validate"/> does.
    /// </summary>
    internal static void ValidateOption(string option, AugmentationOptions? augmentation)
    {
        if (augmentation is null) throw new ArgumentOutOfRangeException(option, null, $"{option} must not be null; use AugmentationOptions.None to switch every part off.");
        augmentation.Validate(option);
    }

    /// <summary>
    /// Checks every field; throws <see cref="ArgumentOutOfRangeException"/> naming it as
    /// <c><paramref name="owner"/>.Field</c>.
    /// </summary>
    /// <param name="owner">Name of the option that holds these settings, e.g. "Augmentation".</param>
    public void Validate(string owner)
    {
        OptionCheck.InRange($"{owner}.{nameof(Rotation)}", Rotation, 0, 180);
        OptionCheck.InRange($"{owner}.{nameof(Shear)}", Shear, 0, 60);
        OptionCheck.InRange($"{owner}.{nameof(Translation)}", Translation, 0, 1);
        OptionCheck.InRange($"{owner}.{nameof(MinScale)}", MinScale, 0.1, 10);
        OptionCheck.InRange($"{owner}.{nameof(MaxScale)}", MaxScale, MinScale, 10);
        OptionCheck.InRange($"{owner}.{nameof(MinCrop)}", MinCrop, 0.1, 1);
        OptionCheck.InRange($"{owner}.{nameof(PixelNoise)}", PixelNoise, 0, 10);
        OptionCheck.InRange($"{owner}.{nameof(FeatureNoise)}", FeatureNoise, 0, 10);
        OptionCheck.InRange($"{owner}.{nameof(FeatureDropout)}", FeatureDropout, 0, 0.95);
    }
}
