using ScottPlot;

namespace DeepClustering.Cli.Plots;

/// <summary>Shared look, argument checks and file handling of the CLI's PNG plots.</summary>
internal static class PlotCommon
{
    // Category10 up to 10 clusters (the most distinguishable); beyond, Tsitsulin's 25 distinct colours
    // (Category20's light half is too pale for small markers). Colours repeat past 25.
    private static readonly IPalette Few = new ScottPlot.Palettes.Category10();
    private static readonly IPalette Many = new ScottPlot.Palettes.Tsitsulin();

    /// <summary>Grey for negative labels, by convention "no cluster" (noise).</summary>
    public static readonly Color Unassigned = Color.FromHex("#9E9E9E");

    /// <summary>The colour of the <paramref name="index"/>-th cluster (in sorted label order) out of <paramref name="count"/>.</summary>
    public static Color ClusterColor(int index, int count)
        => count <= 10 ? Few.GetColor(index) : Many.GetColor(index);

    /// <summary>Text for a cluster label in legends and axes.</summary>
    public static string LabelName(int label) => label < 0 ? $"none ({label})" : label.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Checks the output path and creates its folder, so a plot never fails half-way for a missing folder.</summary>
    public static string PreparePath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(folder))
            Directory.CreateDirectory(folder);
        return full;
    }

    // Without fontconfig (SkiaSharp's NoDependencies native build) Skia's "sans" family falls back to the first
    // font file it finds, often a serif; ask for common sans families by name and keep ScottPlot's choice otherwise.
    private static readonly string? SansFont = new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica" }
        .FirstOrDefault(name => string.Equals(Fonts.GetTypeface(name, false, false)?.FamilyName, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The font family used for all text, or null for ScottPlot's default.</summary>
    public static string? FontName => SansFont;

    /// <summary>Applies the shared font to every text element of <paramref name="plot"/> (call after adding plottables).</summary>
    public static void ApplyFont(Plot plot)
    {
        if (SansFont is not null)
            plot.Font.Set(SansFont);
    }

    /// <summary>Renders <paramref name="plot"/> to a PNG of exactly <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public static void Save(Plot plot, string path, int width, int height)
    {
        ApplyFont(plot);
        plot.SavePng(path, width, height);
        if (!File.Exists(path))
            throw new IOException($"The plot '{path}' was not written.");
    }

    /// <summary>Sorted distinct labels with their counts.</summary>
    public static (int[] Labels, int[] Counts) Distinct(IReadOnlyList<int> labels)
    {
        var counts = new SortedDictionary<int, int>();
        foreach (int label in labels)
            counts[label] = counts.TryGetValue(label, out int c) ? c + 1 : 1;
        return (counts.Keys.ToArray(), counts.Values.ToArray());
    }
}
