using ScottPlot;

namespace DeepClustering.Cli.Plots;

/// <summary>
/// A grid of sample images, one row per cluster (in label order), so one can see what each cluster holds.
/// Each image is scaled to its own min–max range and drawn in grey (low = black), with nearest-neighbour
/// magnification so the pixels stay sharp.
/// </summary>
internal static class ImageGridPlot
{
    /// <summary>Most images per row that <see cref="Write"/> accepts.</summary>
    public const int MaxPerCluster = 100;

    private const int PadLeft = 140, PadRight = 20, PadTop = 50, PadBottom = 20;
    private const int TargetTile = 56, MaxScale = 8, MaxMosaicHeight = 4000;

    /// <summary>Screen pixels per image pixel for <paramref name="clusters"/> rows of <paramref name="height"/> × <paramref name="width"/> images.</summary>
    public static int Scale(int clusters, int height, int width)
    {
        int scale = Math.Clamp((int)Math.Round((double)TargetTile / Math.Max(height, width)), 1, MaxScale);
        long mosaicRows = (long)clusters * (height + 1) - 1;
        return (int)Math.Max(1, Math.Min(scale, MaxMosaicHeight / mosaicRows));
    }

    /// <summary>The PNG's size in pixels.</summary>
    public static (int Width, int Height) ImageSize(int clusters, int height, int width, int perCluster)
    {
        int scale = Scale(clusters, height, width);
        int columns = perCluster * (width + 1) - 1, rows = clusters * (height + 1) - 1;
        return (PadLeft + columns * scale + PadRight, PadTop + rows * scale + PadBottom);
    }

    /// <summary>Writes the image grid PNG.</summary>
    /// <param name="path">Output file; its folder is created if needed.</param>
    /// <param name="images">N × (height·width) pixel values, row-major per image, any range.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="labels">Cluster of each image (length N).</param>
    /// <param name="title">Plot title.</param>
    /// <param name="perCluster">Images shown per cluster (1–100), spread evenly over the cluster's members.</param>
    /// <exception cref="ArgumentException">Empty data, a shape or length mismatch.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive size or <paramref name="perCluster"/> out of range.</exception>
    public static void Write(string path, float[,] images, int height, int width, int[] labels, string title,
        int perCluster = 10)
    {
        ArgumentNullException.ThrowIfNull(images);
        Write(path, new PlotRows(images), 1, height, width, labels, title, perCluster);
    }

    /// <summary>Writes the image grid PNG for channels-first images (channels × height × width per row); colour
    /// images are shown as the mean of their channels.</summary>
    /// <param name="path">Output file; its folder is created if needed.</param>
    /// <param name="images">N rows of channels·height·width values, channels first, any range.</param>
    /// <param name="channels">Number of channels (1 for grey).</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="labels">Cluster of each image (length N).</param>
    /// <param name="title">Plot title.</param>
    /// <param name="perCluster">Images shown per cluster (1–100), spread evenly over the cluster's members.</param>
    /// <exception cref="ArgumentException">Empty data, a shape or length mismatch.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive size or <paramref name="perCluster"/> out of range.</exception>
    public static void Write(string path, PlotRows images, int channels, int height, int width, IReadOnlyList<int> labels,
        string title, int perCluster = 10)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perCluster, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(perCluster, MaxPerCluster);
        int n = images.Count, values = images.Columns;
        if (n == 0)
            throw new ArgumentException("images has no rows; there is nothing to show.", nameof(images));
        long expected = (long)channels * height * width;
        if (expected != values)
            throw new ArgumentException($"images has {values} columns but channels x height x width is {channels} x {height} x {width} = {expected}; give the image shape of the data.", nameof(images));
        if (labels.Count != n)
            throw new ArgumentException($"labels has {labels.Count} entries but images has {n} rows; give one label per image.", nameof(labels));
        string file = PlotCommon.PreparePath(path);

        var (clusters, counts) = PlotCommon.Distinct(labels);
        var members = clusters.ToDictionary(c => c, _ => new List<int>());
        for (int i = 0; i < n; i++)
            members[labels[i]].Add(i);

        int mosaicColumns = perCluster * (width + 1) - 1, mosaicRows = clusters.Length * (height + 1) - 1;
        var mosaic = new double[mosaicRows, mosaicColumns];
        for (int r = 0; r < mosaicRows; r++)
            for (int c = 0; c < mosaicColumns; c++)
                mosaic[r, c] = double.NaN; // the gaps: drawn in the background colour
        for (int k = 0; k < clusters.Length; k++)
        {
            var list = members[clusters[k]];
            int take = Math.Min(perCluster, list.Count);
            for (int t = 0; t < take; t++)
            {
                int image = list[(int)((long)t * list.Count / take)];
                Paste(images[image], channels, height, width, mosaic, k * (height + 1), t * (width + 1));
            }
        }

        using var plot = new Plot();
        var heatmap = plot.Add.Heatmap(mosaic);
        heatmap.Colormap = new ScottPlot.Colormaps.Grayscale();
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        heatmap.NaNCellColor = Colors.White;
        heatmap.Smooth = false;
        // Default placement: unit cells centred on integers, mosaic row 0 at the top (y = mosaicRows − 1).
        plot.Axes.SetLimits(-0.5, mosaicColumns - 0.5, -0.5, mosaicRows - 0.5);
        plot.Axes.Bottom.SetTicks([], []);
        plot.Axes.Left.SetTicks(
            Enumerable.Range(0, clusters.Length).Select(k => mosaicRows - 1 - (k * (height + 1) + (height - 1) / 2.0)).ToArray(),
            clusters.Select((label, k) => $"{PlotCommon.LabelName(label)} (n={counts[k]})").ToArray());
        plot.Axes.Frame(false);
        plot.Grid.IsVisible = false;
        plot.Title(title);
        plot.YLabel("cluster");
        plot.Layout.Fixed(new PixelPadding(PadLeft, PadRight, PadBottom, PadTop));

        var (w, h) = ImageSize(clusters.Length, height, width, perCluster);
        PlotCommon.Save(plot, file, w, h);
    }

    // Copies one image (channel mean), scaled to [0, 1] by its own range, into the mosaic at (top, left).
    // Non-finite values count as the image's minimum; a constant image is mid-grey.
    private static void Paste(ReadOnlySpan<float> image, int channels, int height, int width, double[,] mosaic, int top, int left)
    {
        int plane = height * width;
        var grey = new double[plane];
        var bad = new bool[plane];
        for (int p = 0; p < plane; p++)
        {
            double sum = 0;
            for (int c = 0; c < channels; c++)
                sum += image[c * plane + p];
            grey[p] = sum / channels;
            bad[p] = !double.IsFinite(grey[p]);
        }
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int p = 0; p < plane; p++)
            if (!bad[p])
            {
                min = Math.Min(min, grey[p]);
                max = Math.Max(max, grey[p]);
            }
        double range = max - min;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int p = y * width + x;
                mosaic[top + y, left + x] = !(range > 0) ? 0.5 : bad[p] ? 0 : (grey[p] - min) / range;
            }
    }
}
