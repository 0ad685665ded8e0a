using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Training;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Training;

public class AugmentationTests
{
    private static readonly ImageShape Square = new(1, 16, 16);

    /// <summary>A centred disk of radius r (pixels 1 inside, 0 outside), flattened.</summary>
    private static Tensor Disk(int rows, double radius)
    {
        var v = new float[rows * 256];
        for (int i = 0; i < rows; i++)
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++)
                    v[i * 256 + y * 16 + x] = Math.Sqrt((x - 7.5) * (x - 7.5) + (y - 7.5) * (y - 7.5)) < radius ? 1f : 0f;
        return tensor(v).reshape(rows, 256);
    }

    /// <summary>A centred Gaussian bump of width sigma, flattened.</summary>
    private static Tensor Bump(int rows, double sigma)
    {
        var v = new float[rows * 256];
        for (int i = 0; i < rows; i++)
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++)
                    v[i * 256 + y * 16 + x] = (float)Math.Exp(-((x - 7.5) * (x - 7.5) + (y - 7.5) * (y - 7.5)) / (2 * sigma * sigma));
        return tensor(v).reshape(rows, 256);
    }

    [Fact]
    public void SameSeedGivesTheSameViewsAndTheInputIsNotChanged()
    {
        using var scope = NewDisposeScope();
        var x = Disk(8, 4);
        var before = x.clone();
        using var r1 = new RandomSource(5);
        using var r2 = new RandomSource(5);
        var a = Augmentation.View(x, Square, new AugmentationOptions(), r1);
        var b = Augmentation.View(x, Square, new AugmentationOptions(), r2);
        Assert.True(a.equal(b).all().item<bool>());
        Assert.True(x.equal(before).all().item<bool>());
        Assert.False(a.allclose(x, atol: 1e-3), "a default image view should differ from the input.");
        var c = Augmentation.View(x, Square, new AugmentationOptions(), r1);
        Assert.False(c.allclose(a), "successive views should differ.");
    }

    [Fact]
    public void NeutralOptionsGiveCopiesOfTheInput()
    {
        using var scope = NewDisposeScope();
        using var random = new RandomSource(1);
        var image = Disk(3, 5);
        var sameImage = Augmentation.View(image, Square, AugmentationOptions.None, random);
        Assert.True(sameImage.allclose(image, atol: 1e-5));
        Assert.NotEqual(image.Handle, sameImage.Handle);
        var table = random.Normal(new long[] { 5, 7 }, CPU);
        Assert.True(Augmentation.View(table, null, AugmentationOptions.None, random).equal(table).all().item<bool>());
        var theta = Augmentation.AffineMatrices(4, AugmentationOptions.None, random, CPU);
        var identity = tensor(new float[] { 1, 0, 0, 0, 1, 0 }).reshape(1, 2, 3).expand(4, 2, 3);
        Assert.True(theta.allclose(identity, atol: 1e-6));
    }

    [Fact]
    public void AffineMatricesStayWithinTheConfiguredRanges()
    {
        using var scope = NewDisposeScope();
        using var random = new RandomSource(2);
        var options = new AugmentationOptions { Rotation = 20, Shear = 10, Translation = 0.1, MinScale = 0.8, MaxScale = 1.2, MinCrop = 0.7 };
        var theta = Augmentation.AffineMatrices(2000, options, random, CPU);
        // det = crop² / scale² (rotation and shear have determinant 1).
        var det = theta[.., 0, 0] * theta[.., 1, 1] - theta[.., 0, 1] * theta[.., 1, 0];
        Assert.True(det.min().item<float>() >= 0.7 * 0.7 / (1.2 * 1.2) - 1e-5);
        Assert.True(det.max().item<float>() <= 1 / (0.8 * 0.8) + 1e-5);
        // Rotation only: orthogonal matrices, angles within ±20°, both signs drawn.
        var rotation = Augmentation.AffineMatrices(2000, AugmentationOptions.None with { Rotation = 20 }, random, CPU);
        var m = rotation[.., .., ..2];
        Assert.True(m.matmul(m.transpose(1, 2)).allclose(eye(2).expand(2000, 2, 2), atol: 1e-5));
        var angles = atan2(rotation[.., 1, 0], rotation[.., 0, 0]).mul(180 / Math.PI);
        Assert.InRange(angles.min().item<float>(), -20.001, -18);
        Assert.InRange(angles.max().item<float>(), 18, 20.001);
        // Translation only: shifts within ±2·0.1 in normalised units.
        var shift = Augmentation.AffineMatrices(2000, AugmentationOptions.None with { Translation = 0.1 }, random, CPU)[.., .., 2];
        Assert.InRange(shift.abs().max().item<float>(), 0.15, 0.2 + 1e-6);
    }

    [Fact]
    public void RotatingACentredBumpChangesLittleWhileShiftingADiskMovesIt()
    {
        using var scope = NewDisposeScope();
        using var random = new RandomSource(3);
        var bump = Bump(16, 2.5);
        var rotated = Augmentation.View(bump, Square, AugmentationOptions.None with { Rotation = 45 }, random);
        Assert.True((rotated - bump).abs().max().item<float>() < 0.05 && (rotated - bump).abs().mean().item<float>() < 0.005, "a rotated centred bump should stay (almost) the same.");
        var disk = Disk(16, 4);
        var shifted = Augmentation.View(disk, Square, AugmentationOptions.None with { Translation = 0.25 }, random);
        Assert.True((shifted - disk).abs().mean().item<float>() > 0.05, "a shifted disk should move.");
        // Mass is kept while the disk stays inside the frame.
        Assert.True(shifted.sum(1).sub(disk.sum(1)).abs().max().item<float>() < 0.05 * disk.sum(1).max().item<float>());
    }

    [Fact]
    public void TabularViewsAddNoiseOfTheGivenSizeAndDropTheGivenShareOfFeatures()
    {
        using var scope = NewDisposeScope();
        using var random = new RandomSource(4);
        var x = full(400, 50, 3f);
        var noisy = Augmentation.View(x, null, AugmentationOptions.None with { FeatureNoise = 0.2 }, random);
        Assert.Equal(0.2, (noisy - x).std().item<float>(), 2);
        var dropped = Augmentation.View(x, null, AugmentationOptions.None with { FeatureDropout = 0.3 }, random);
        Assert.Equal(0.3, dropped.eq(0).to(ScalarType.Float32).mean().item<float>(), 2);
        Assert.True(dropped.eq(0).logical_or(dropped.eq(3)).all().item<bool>());
    }

    [Fact]
    public void MismatchedShapesAndBadOptionsAreRejected()
    {
        using var scope = NewDisposeScope();
        using var random = new RandomSource(0);
        Assert.Throws<ArgumentException>(() => Augmentation.View(zeros(2, 100), Square, new AugmentationOptions(), random));
        Assert.Throws<ArgumentException>(() => Augmentation.View(zeros(2, 16, 16), Square, new AugmentationOptions(), random));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AugmentationOptions { MinScale = 1.2, MaxScale = 1.1 }.Validate("Augmentation"));
        Assert.Equal("Augmentation.MaxScale", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new AugmentationOptions { FeatureDropout = 1 }.Validate("Augmentation"));
        Assert.Equal("Augmentation.FeatureDropout", e.ParamName);
    }
}
