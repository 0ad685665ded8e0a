using System.Globalization;
using ScottPlot;

namespace DeepClustering.Cli.Plots;

/// <summary>Heatmap of a contingency matrix: true classes (rows) × predicted clusters (columns).</summary>
internal static class ConfusionPlot
{
    /// <summary>Counts are written into the cells when neither side has more than this many labels.</summary>
    public const int MaxAnnotated = 20;

    private const int PadLeft = 110, PadRight = 150, PadTop = 60, PadBottom = 80;

    /// <summary>Side of one cell in pixels for a matrix with the given shape (16–56 px, about 600 px in all).</summary>
    public static int CellSize(int rows, int columns) => Math.Clamp(600 / Math.Max(rows, columns), 16, 56);

    /// <summary>The PNG's size in pixels for a matrix with the given shape.</summary>
    public static (int Width, int Height) ImageSize(int rows, int columns)
    {
        int cell = CellSize(rows, columns);
        return (PadLeft + columns * cell + PadRight, PadTop + rows * cell + PadBottom);
    }

    /// <summary>Writes the heatmap PNG. The caller orders the columns (e.g. clusters matched to classes by the
    /// Hungarian method, so that a good clustering shows a strong diagonal).</summary>
    /// <param name="path">Output file; its folder is created if needed.</param>
    /// <param name="matrix">Counts, rows = true classes, columns = predicted clusters, all ≥ 0.</param>
    /// <param name="rowLabels">Class label of each row.</param>
    /// <param name="columnLabels">Cluster label of each column.</param>
    /// <param name="title">Plot title.</param>
    /// <exception cref="ArgumentException">An empty matrix, label counts that do not match it, or a negative count.</exception>
    public static void Write(string path, long[,] matrix, IReadOnlyList<int> rowLabels, IReadOnlyList<int> columnLabels,
        string title)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(rowLabels);
        ArgumentNullException.ThrowIfNull(columnLabels);
        ArgumentNullException.ThrowIfNull(title);
        int rows = matrix.GetLength(0), columns = matrix.GetLength(1);
        if (rows == 0 || columns == 0)
            throw new ArgumentException($"matrix is {rows} x {columns}; it needs at least one row and one column.", nameof(matrix));
        if (rowLabels.Count != rows)
            throw new ArgumentException($"rowLabels has {rowLabels.Count} entries but matrix has {rows} rows.", nameof(rowLabels));
        if (columnLabels.Count != columns)
            throw new ArgumentException($"columnLabels has {columnLabels.Count} entries but matrix has {columns} columns.", nameof(columnLabels));
        long max = 0;
        var values = new double[rows, columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
            {
                long v = matrix[i, j];
                if (v < 0)
                    throw new ArgumentException($"matrix[{i}, {j}] is {v}; counts cannot be negative.", nameof(matrix));
                values[i, j] = v;
                max = Math.Max(max, v);
            }
        string file = PlotCommon.PreparePath(path);

        using var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Blues().Reversed(); // ScottPlot's Blues runs dark → light
        heatmap.ManualRange = new ScottPlot.Range(0, Math.Max(1, max));
        // ScottPlot's default placement: unit cells centred on integers, row 0 at the top, so cell (i, j) is
        // centred on x = j, y = rows − 1 − i.
        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = "points";

        int cell = CellSize(rows, columns);
        if (Math.Max(rows, columns) <= MaxAnnotated)
        {
            int digits = max.ToString(CultureInfo.InvariantCulture).Length;
            float fontSize = Math.Clamp(cell * 1.6f / (digits + 1), 7f, 15f);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < columns; j++)
                {
                    var text = plot.Add.Text(matrix[i, j].ToString(CultureInfo.InvariantCulture), j, rows - 1 - i);
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontSize = fontSize;
                    // Light text on the dark end of the colormap.
                    if (PlotCommon.FontName is { } font)
                        text.LabelFontName = font;
                    text.LabelFontColor = matrix[i, j] > 0.55 * max ? Colors.White : Colors.Black;
                }
        }

        plot.Axes.SetLimits(-0.5, columns - 0.5, -0.5, rows - 0.5);
        plot.Axes.Bottom.SetTicks(Positions(columns, j => j), TickLabels(columnLabels, cell, horizontal: true));
        plot.Axes.Left.SetTicks(Positions(rows, i => rows - 1 - i), TickLabels(rowLabels, cell, horizontal: false));
        plot.Grid.IsVisible = false;
        plot.Title(title);
        plot.XLabel("predicted cluster (matched order)");
        plot.YLabel("true class");
        plot.Layout.Fixed(new PixelPadding(PadLeft, PadRight, PadBottom, PadTop));

        var (width, height) = ImageSize(rows, columns);
        PlotCommon.Save(plot, file, width, height);
    }

    private static double[] Positions(int count, Func<int, int> position)
        => Enumerable.Range(0, count).Select(k => (double)position(k)).ToArray();

    // Every label when they fit; otherwise every s-th, so that tick labels never overlap into a smear
    // (about 7 px per character side by side on the x axis, 14 px per line stacked on the y axis).
    private static string[] TickLabels(IReadOnlyList<int> labels, int cell, bool horizontal)
    {
        var names = labels.Select(PlotCommon.LabelName).ToArray();
        int needed = horizontal ? 7 * names.Max(name => name.Length) + 6 : 14;
        int step = Math.Max(1, (needed + cell - 1) / cell);
        return names.Select((name, k) => k % step == 0 ? name : "").ToArray();
    }
}
