using ScottPlot;

namespace DeepClustering.Cli.Plots;

/// <summary>Scatter plot of points coloured by cluster, projected to 2-D by PCA when they have more dimensions.</summary>
internal static class ScatterPlot
{
    /// <summary>At most this many points are drawn (a fixed-seed sample); more only hide each other.</summary>
    public const int MaxPoints = 5000;

    /// <summary>Clusters beyond this many get no legend.</summary>
    public const int MaxLegendEntries = 40;

    /// <summary>Width of the PNG in pixels.</summary>
    public const int Width = 1000;

    /// <summary>Height of the PNG in pixels.</summary>
    public const int Height = 750;

    // The PCA works on a double copy of the sample; keep it under ~200 MB for very wide data.
    private const long MaxSampleValues = 25_000_000;

    /// <summary>Points drawn for N points of D dimensions: all up to <see cref="MaxPoints"/>, fewer for very wide data.</summary>
    public static int SampleSize(int count, int dimensions)
        => (int)Math.Min(count, Math.Clamp(MaxSampleValues / Math.Max(1, dimensions), 200, MaxPoints));

    /// <summary>Writes the scatter plot PNG.</summary>
    /// <param name="path">Output file; its folder is created if needed.</param>
    /// <param name="points">N × D points (D ≥ 1); D &gt; 2 is shown on its first two principal components.</param>
    /// <param name="labels">Cluster of each point (length N); negative labels are drawn grey as "none".</param>
    /// <param name="title">Plot title.</param>
    /// <exception cref="ArgumentException">Empty points, a length mismatch, or non-finite coordinates among the drawn points.</exception>
    public static void Write(string path, float[,] points, int[] labels, string title)
    {
        ArgumentNullException.ThrowIfNull(points);
        Write(path, new PlotRows(points), labels, title);
    }

    /// <inheritdoc cref="Write(string, float[,], int[], string)"/>
    public static void Write(string path, PlotRows points, IReadOnlyList<int> labels, string title)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(title);
        int n = points.Count, d = points.Columns;
        if (n == 0 || d == 0)
            throw new ArgumentException($"points is {n} x {d}; it needs at least one row and one column.", nameof(points));
        if (labels.Count != n)
            throw new ArgumentException($"labels has {labels.Count} entries but points has {n} rows; give one label per point.", nameof(labels));
        int[] rows = PcaProjection.Subsample(n, SampleSize(n, d));
        foreach (int r in rows)
        {
            var row = points[r];
            for (int j = 0; j < d; j++)
                if (!float.IsFinite(row[j]))
                    throw new ArgumentException($"points[{r}, {j}] is {row[j]}; only finite coordinates can be plotted.", nameof(points));
        }
        string file = PlotCommon.PreparePath(path);

        Projection projection = PcaProjection.Project(points, rows);
        var (clusters, counts) = PlotCommon.Distinct(labels);
        var byCluster = clusters.ToDictionary(c => c, _ => new List<int>());
        for (int i = 0; i < rows.Length; i++)
            byCluster[labels[rows[i]]].Add(i);

        using var plot = new Plot();
        int negative = clusters.Count(c => c < 0); // "none" labels are grey, so cluster colours start at the first real one
        float markerSize = rows.Length <= 500 ? 7 : rows.Length <= 2000 ? 5 : 4;
        for (int k = 0; k < clusters.Length; k++)
        {
            var members = byCluster[clusters[k]];
            if (members.Count == 0)
                continue; // a small cluster that the sample missed; it still keeps its colour slot
            var xs = members.Select(i => projection.X[i]).ToArray();
            var ys = members.Select(i => projection.Y[i]).ToArray();
            Color color = clusters[k] < 0 ? PlotCommon.Unassigned : PlotCommon.ClusterColor(k - negative, clusters.Length - negative);
            var scatter = plot.Add.ScatterPoints(xs, ys, color.WithAlpha(0.75));
            scatter.MarkerSize = markerSize;
            scatter.MarkerShape = MarkerShape.FilledCircle;
            scatter.LegendText = $"{PlotCommon.LabelName(clusters[k])} (n={counts[k]})";
        }

        string sampled = rows.Length < n ? $"{rows.Length} of {n} points" : $"{n} points";
        plot.Title($"{title} ({sampled}, {clusters.Length} clusters)");
        plot.XLabel(projection.XLabel);
        plot.YLabel(projection.YLabel);
        // Beyond MaxLegendEntries the legend would run off the figure and the colours repeat anyway.
        if (clusters.Length <= MaxLegendEntries)
        {
            plot.ShowLegend(Edge.Right);
            plot.Legend.FontSize = clusters.Length > 25 ? 9 : 12;
        }
        else
        {
            plot.HideLegend(); // ScottPlot would otherwise show one inside the data area
        }
        PlotCommon.Save(plot, file, Width, Height);
    }
}
