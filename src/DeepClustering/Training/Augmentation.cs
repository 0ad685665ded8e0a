using DeepClustering.Core;
using DeepClustering.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>
/// Random views of a batch for consistency objectives, drawn only from a <see cref="RandomSource"/> (TorchSharp's
/// torchvision transforms draw from the global generator, so they are not used). Images: one random affine map per
/// row (rotation, shear, scale, translation, then a random crop resized back), applied to the whole batch with a
/// single <c>affine_grid</c> + <c>grid_sample</c> (bilinear, zero padding, so pixels are expected to be 0 on the
/// background, as with unscaled [0, 1] images), then Gaussian pixel noise. Tabular rows: Gaussian noise, then
/// feature dropout. The input is never changed; the result is a new tensor.
/// </summary>
public static class Augmentation
{
    /// <summary>
    /// A random view of <paramref name="batch"/> (B x D, flattened rows, on any device).
    /// </summary>
    /// <param name="batch">Rows to transform; not modified.</param>
    /// <param name="image">Image shape of the rows, or null for tabular rows.</param>
    /// <param name="options">What to draw.</param>
    /// <param name="random">The fit's random source (its CPU generator draws every value).</param>
    public static Tensor View(Tensor batch, ImageShape? image, AugmentationOptions options, RandomSource random)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        if (batch.dim() != 2) throw new ArgumentException($"expected a 2-D batch (rows x features); got {batch.dim()} dimensions.", nameof(batch));
        if (image is not null && image.Size != batch.shape[1])
            throw new ArgumentException($"image shape {image.Channels}x{image.Height}x{image.Width} does not match rows of width {batch.shape[1]}.", nameof(image));
        return image is null ? TabularView(batch, options, random) : ImageView(batch, image, options, random);
    }

    /// <summary>
    /// The per-row sampling matrices (B x 2 x 3, normalised coordinates, output → input) of a random image view;
    /// exposed for tests. Content is rotated, sheared, scaled by s (the sampling grid shrinks by 1/s), shifted, then
    /// a crop of side c at offset o (both in normalised units) is resized to the full image:
    /// <c>input = A (c·output + o) + t</c> with <c>A = R(angle)·Shear(φ)/s</c>.
    /// </summary>
    public static Tensor AffineMatrices(long rows, AugmentationOptions options, RandomSource random, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        using var scope = NewDisposeScope();
        var u = random.Uniform(new[] { rows, 8L }, device);
        Tensor Symmetric(int column, double bound) => u[.., column].mul(2).sub_(1).mul_(bound);
        var angle = Symmetric(0, options.Rotation * Math.PI / 180);
        var shear = Symmetric(1, options.Shear * Math.PI / 180).tan_();
        var scale = u[.., 2].mul(options.MaxScale - options.MinScale).add_(options.MinScale);
        var tx = Symmetric(3, 2 * options.Translation);
        var ty = Symmetric(4, 2 * options.Translation);
        var crop = u[.., 5].mul(1 - options.MinCrop).add_(options.MinCrop);
        var slack = crop.neg().add_(1);
        var ox = u[.., 6].mul(2).sub_(1).mul_(slack);
        var oy = u[.., 7].mul(2).sub_(1).mul_(slack);
        var cos = angle.cos();
        var sin = angle.sin();
        var a00 = cos / scale;
        var a01 = (cos * shear - sin) / scale;
        var a10 = sin / scale;
        var a11 = (sin * shear + cos) / scale;
        var theta = stack(new[]
        {
            a00 * crop, a01 * crop, a00 * ox + a01 * oy + tx,
            a10 * crop, a11 * crop, a10 * ox + a11 * oy + ty,
        }, 1).reshape(rows, 2, 3);
        return theta.MoveToOuterDisposeScope();
    }

    private static Tensor ImageView(Tensor batch, ImageShape image, AugmentationOptions options, RandomSource random)
    {
        using var scope = NewDisposeScope();
        long rows = batch.shape[0];
        var view = batch;
        if (options.Rotation != 0 || options.Shear != 0 || options.Translation != 0 || options.MinScale != 1 || options.MaxScale != 1 || options.MinCrop != 1)
        {
            var size = new long[] { rows, image.Channels, image.Height, image.Width };
            var theta = AffineMatrices(rows, options, random, batch.device).to(batch.dtype);
            var grid = nn.functional.affine_grid(theta, size, align_corners: false);
            view = nn.functional.grid_sample(batch.reshape(size), grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false)
                .reshape(rows, -1);
        }
        if (options.PixelNoise > 0)
            view = view + random.Normal(batch.shape, batch.device, batch.dtype).mul_(options.PixelNoise);
        return (ReferenceEquals(view, batch) ? batch.clone() : view).MoveToOuterDisposeScope();
    }

    private static Tensor TabularView(Tensor batch, AugmentationOptions options, RandomSource random)
    {
        using var scope = NewDisposeScope();
        var view = options.FeatureNoise > 0
            ? batch + random.Normal(batch.shape, batch.device, batch.dtype).mul_(options.FeatureNoise)
            : batch.clone();
        if (options.FeatureDropout > 0)
            view.mul_(random.Uniform(batch.shape, batch.device, batch.dtype).ge_(options.FeatureDropout));
        return view.MoveToOuterDisposeScope();
    }
}
