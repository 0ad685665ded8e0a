using System.Globalization;
using DeepClustering.Data;
using DeepClustering.Metrics;

namespace DeepClustering.Cli.Plots;

/// <summary>Writes the standard set of PNG plots of one clustering run into a folder.</summary>
internal static class ClusterPlots
{
    /// <summary>File name of the scatter plot.</summary>
    public const string ScatterFile = "scatter.png";

    /// <summary>File name of the confusion heatmap.</summary>
    public const string ConfusionFile = "confusion.png";

    /// <summary>File name of the training curves.</summary>
    public const string TrainingFile = "training.png";

    /// <summary>File name of the image grid.</summary>
    public const string ImagesFile = "images.png";

    /// <summary>
    /// Writes the plots of a clustering of <paramref name="data"/>: scatter.png always; confusion.png when the
    /// dataset has labels; training.png when <paramref name="training"/> has points; images.png when the dataset
    /// has an image shape (colour images are shown as the mean of their channels). The data is read in place.
    /// </summary>
    /// <param name="directory">Output folder; created if needed.</param>
    /// <param name="data">The clustered dataset.</param>
    /// <param name="predicted">Predicted cluster of each row (length N).</param>
    /// <param name="training">Objective per iteration/epoch tagged with its phase, or null.</param>
    /// <param name="embedding">N × d points to scatter instead of the data (e.g. the latent codes), or null.</param>
    /// <param name="title">Name of the run, put in every title; defaults to the dataset's name.</param>
    /// <returns>Full paths of the files written, in the order above.</returns>
    /// <exception cref="ArgumentException">Lengths or shapes that do not match.</exception>
    public static IReadOnlyList<string> WriteAll(string directory, Dataset data, int[] predicted,
        IReadOnlyList<(string Phase, double Objective)>? training = null, float[,]? embedding = null, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return WriteAll(directory, new PlotRows(data.Values, data.Rows, data.Columns), predicted, data.Labels?.ToArray(),
            training, data.Image, embedding is null ? null : new PlotRows(embedding), title ?? data.Name);
    }

    /// <summary>
    /// Writes scatter.png always; confusion.png when <paramref name="truth"/> is given; training.png when
    /// <paramref name="training"/> has points; images.png when <paramref name="imageShape"/> is given.
    /// </summary>
    /// <param name="directory">Output folder; created if needed.</param>
    /// <param name="data">N × D input data (pixel values for image data).</param>
    /// <param name="predicted">Predicted cluster of each point (length N).</param>
    /// <param name="truth">True class of each point, or null when the data has no labels.</param>
    /// <param name="training">Objective per iteration/epoch tagged with its phase, or null.</param>
    /// <param name="imageShape">Image height and width when each row of <paramref name="data"/> is a grey image, else null.</param>
    /// <param name="embedding">N × d points to scatter instead of <paramref name="data"/> (e.g. the latent codes), or null.</param>
    /// <param name="title">Name of the run, put in every title (e.g. "DEC on MNIST").</param>
    /// <returns>Full paths of the files written, in the order above.</returns>
    /// <exception cref="ArgumentException">Lengths or shapes that do not match.</exception>
    public static IReadOnlyList<string> WriteAll(string directory, float[,] data, int[] predicted, int[]? truth = null,
        IReadOnlyList<(string Phase, double Objective)>? training = null, (int Height, int Width)? imageShape = null,
        float[,]? embedding = null, string title = "DeepClustering")
    {
        ArgumentNullException.ThrowIfNull(data);
        return WriteAll(directory, new PlotRows(data), predicted, truth, training,
            imageShape is { } shape ? new ImageShape(1, shape.Height, shape.Width) : null,
            embedding is null ? null : new PlotRows(embedding), title);
    }

    private static IReadOnlyList<string> WriteAll(string directory, PlotRows data, int[] predicted, int[]? truth,
        IReadOnlyList<(string Phase, double Objective)>? training, ImageShape? image, PlotRows? embedding, string title)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(title);
        int n = data.Count;
        if (predicted.Length != n)
            throw new ArgumentException($"predicted has {predicted.Length} entries but data has {n} rows; give one cluster per point.", nameof(predicted));
        if (truth is not null && truth.Length != n)
            throw new ArgumentException($"truth has {truth.Length} entries but data has {n} rows; give one class per point or none.", nameof(truth));
        if (embedding is not null && embedding.Count != n)
            throw new ArgumentException($"embedding has {embedding.Count} rows but data has {n}; embed every point or pass none.", nameof(embedding));

        string folder = Path.GetFullPath(directory);
        Directory.CreateDirectory(folder);
        var written = new List<string>();

        string scatter = Path.Combine(folder, ScatterFile);
        ScatterPlot.Write(scatter, embedding ?? data, predicted,
            embedding is null ? $"{title}: clusters" : $"{title}: clusters in the embedding");
        written.Add(scatter);

        if (truth is not null)
        {
            string confusion = Path.Combine(folder, ConfusionFile);
            var (matrix, rows, columns) = MatchedContingency(truth, predicted);
            double accuracy = ClusterScores.Accuracy(truth, predicted);
            ConfusionPlot.Write(confusion, matrix, rows, columns,
                string.Create(CultureInfo.InvariantCulture, $"{title}: classes vs clusters (ACC {100 * accuracy:0.0}%)"));
            written.Add(confusion);
        }

        if (training is { Count: > 0 })
        {
            string curve = Path.Combine(folder, TrainingFile);
            TrainingCurvePlot.Write(curve, training, $"{title}: training");
            written.Add(curve);
        }

        if (image is not null)
        {
            string images = Path.Combine(folder, ImagesFile);
            ImageGridPlot.Write(images, data, image.Channels, image.Height, image.Width, predicted, $"{title}: samples per cluster");
            written.Add(images);
        }
        return written;
    }

    /// <summary>
    /// The contingency matrix (true classes × predicted clusters) reordered so that the Hungarian-matched
    /// class/cluster pairs form the leading diagonal (its sum is the number of correctly clustered points);
    /// unmatched classes and clusters follow in label order.
    /// </summary>
    public static (long[,] Matrix, int[] RowLabels, int[] ColumnLabels) MatchedContingency(int[] truth, int[] predicted)
    {
        var table = ContingencyTable.Create(truth, predicted);
        long[,] dense = table.ToArray();
        IReadOnlyDictionary<int, int> mapping = ClusterScores.BestMapping(truth, predicted); // cluster → class
        var clusterOfClass = mapping.ToDictionary(pair => pair.Value, pair => pair.Key);

        var classes = table.ClassLabels;
        var clusters = table.ClusterLabels;
        var rowOrder = classes.Where(clusterOfClass.ContainsKey)
            .Concat(classes.Where(c => !clusterOfClass.ContainsKey(c))).ToArray();
        var columnOrder = rowOrder.Where(clusterOfClass.ContainsKey).Select(c => clusterOfClass[c])
            .Concat(clusters.Where(k => !mapping.ContainsKey(k))).ToArray();

        var matrix = new long[rowOrder.Length, columnOrder.Length];
        for (int i = 0; i < rowOrder.Length; i++)
        {
            int source = table.ClassIndexOf(rowOrder[i]);
            for (int j = 0; j < columnOrder.Length; j++)
                matrix[i, j] = dense[source, table.ClusterIndexOf(columnOrder[j])];
        }
        return (matrix, rowOrder, columnOrder);
    }
}
