using System.Globalization;
using ScottPlot;

namespace DeepClustering.Cli.Plots;

/// <summary>
/// Objective per iteration or epoch, one line per training phase. Phases (e.g. autoencoder pre-training and
/// the clustering phase) optimise different objectives on different scales, so each gets its own panel with its
/// own y axis, stacked in the order the phases first appear.
/// </summary>
internal static class TrainingCurvePlot
{
    /// <summary>Width of the PNG in pixels.</summary>
    public const int Width = 900;

    /// <summary>Height of one phase's panel in pixels.</summary>
    public const int PanelHeight = 300;

    /// <summary>The PNG's size in pixels for the given number of phases.</summary>
    public static (int Width, int Height) ImageSize(int phases) => (Width, Math.Max(450, PanelHeight * phases));

    /// <summary>Writes the training curve PNG.</summary>
    /// <param name="path">Output file; its folder is created if needed.</param>
    /// <param name="points">Objective values in training order, each tagged with its phase name; within a phase
    /// the k-th value is plotted at iteration k (1-based). Non-finite values are left out.</param>
    /// <param name="title">Plot title.</param>
    /// <exception cref="ArgumentException">No points, or a point with an empty phase name.</exception>
    public static void Write(string path, IReadOnlyList<(string Phase, double Objective)> points, string title)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(title);
        if (points.Count == 0)
            throw new ArgumentException("points is empty; there is no training history to plot.", nameof(points));
        var phases = new List<string>();
        var series = new Dictionary<string, List<(double X, double Y)>>(StringComparer.Ordinal);
        var steps = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < points.Count; k++)
        {
            var (phase, objective) = points[k];
            if (string.IsNullOrWhiteSpace(phase))
                throw new ArgumentException($"points[{k}] has no phase name; name every phase (e.g. \"pretrain\").", nameof(points));
            if (!series.TryGetValue(phase, out var list))
            {
                phases.Add(phase);
                series[phase] = list = [];
                steps[phase] = 0;
            }
            int step = ++steps[phase];
            if (double.IsFinite(objective))
                list.Add((step, objective));
        }
        string file = PlotCommon.PreparePath(path);

        var multiplot = new Multiplot();
        multiplot.AddPlots(phases.Count);
        var plots = multiplot.GetPlots();
        try
        {
            for (int p = 0; p < phases.Count; p++)
            {
                Plot plot = plots[p];
                var data = series[phases[p]];
                Color color = PlotCommon.ClusterColor(p, phases.Count);
                if (data.Count > 0)
                {
                    var xs = data.Select(v => v.X).ToArray();
                    var ys = data.Select(v => v.Y).ToArray();
                    var line = plot.Add.Scatter(xs, ys, color);
                    line.LineWidth = 2;
                    line.MarkerSize = data.Count <= 60 ? 5 : 0;
                    line.LegendText = string.Create(CultureInfo.InvariantCulture,
                        $"{phases[p]}: last {data[^1].Y:G6}");
                    plot.ShowLegend(Alignment.UpperRight);
                }
                else
                {
                    var note = plot.Add.Text($"{phases[p]}: no finite objective values", 0, 0);
                    note.LabelAlignment = Alignment.MiddleCenter;
                }
                plot.Title(p == 0 ? $"{title} - {phases[p]}" : phases[p]);
                plot.XLabel("iteration / epoch");
                plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
                plot.YLabel("objective");
                PlotCommon.ApplyFont(plot);
            }
            var (width, height) = ImageSize(phases.Count);
            multiplot.SavePng(file, width, height);
        }
        finally
        {
            foreach (var plot in plots)
                plot.Dispose();
        }
        if (!File.Exists(file))
            throw new IOException($"The plot '{file}' was not written.");
    }
}
