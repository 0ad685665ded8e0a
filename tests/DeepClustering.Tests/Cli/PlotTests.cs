using System.Buffers.Binary;
using DeepClustering.Cli.Plots;
using DeepClustering.Data;
using DeepClustering.Metrics;

namespace DeepClustering.Tests.Cli;

/// <summary>
/// The CLI's PNG writers on tiny synthetic data: each file must exist, be a PNG, have the documented pixel size
/// and hold a plausible amount of drawing. No image comparison: fonts and anti-aliasing differ across systems.
/// </summary>
public sealed class PlotTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-plots-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    /// <summary>Checks signature and IHDR chunk; returns the file size.</summary>
    private static long AssertPng(string path, int width, int height)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 33, "too short for a PNG header");
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal("IHDR"u8.ToArray(), bytes[12..16]);
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)));
        // A blank white canvas of these sizes compresses to well under 5 KB; axes, text and data add far more.
        Assert.True(bytes.Length > 5_000, $"{path} is only {bytes.Length} bytes: nothing was drawn?");
        return bytes.Length;
    }

    /// <summary>Gaussian blobs around distinct centres in <paramref name="dimensions"/> dimensions.</summary>
    private static (float[,] Points, int[] Labels) Blobs(int perCluster, int clusters, int dimensions, int seed = 3)
    {
        var rng = new Random(seed);
        var points = new float[perCluster * clusters, dimensions];
        var labels = new int[perCluster * clusters];
        for (int k = 0; k < clusters; k++)
            for (int p = 0; p < perCluster; p++)
            {
                int i = k * perCluster + p;
                labels[i] = k;
                for (int j = 0; j < dimensions; j++)
                    points[i, j] = (float)((j == k % dimensions ? 6 * (k + 1) : 0) + rng.NextDouble() - 0.5);
            }
        return (points, labels);
    }

    // ---- scatter -----------------------------------------------------------------------------------------

    [Fact]
    public void ScatterWritesPngOfDocumentedSizeFor2DPoints()
    {
        var (points, labels) = Blobs(20, 3, 2);
        string path = Path.Combine(_folder, "scatter2d.png");
        ScatterPlot.Write(path, points, labels, "two-d");
        AssertPng(path, ScatterPlot.Width, ScatterPlot.Height);
        Assert.Equal((1000, 750), (ScatterPlot.Width, ScatterPlot.Height));
    }

    [Fact]
    public void ScatterProjectsHighDimensionalPointsAndDrawsUnassignedLabel()
    {
        var (points, labels) = Blobs(15, 4, 10);
        labels[0] = -1;
        string path = Path.Combine(_folder, "sub", "scatter10d.png"); // the folder does not exist yet
        ScatterPlot.Write(path, points, labels, "ten-d");
        AssertPng(path, ScatterPlot.Width, ScatterPlot.Height);
    }

    [Fact]
    public void ScatterWithMoreClustersThanLegendEntriesStillWrites()
    {
        var (points, labels) = Blobs(3, ScatterPlot.MaxLegendEntries + 5, 3);
        string path = Path.Combine(_folder, "scatter-many.png");
        ScatterPlot.Write(path, points, labels, "many");
        AssertPng(path, ScatterPlot.Width, ScatterPlot.Height);
    }

    [Fact]
    public void ScatterRejectsMismatchedLabelsAndNonFinitePoints()
    {
        var (points, labels) = Blobs(5, 2, 3);
        var error = Assert.Throws<ArgumentException>(() => ScatterPlot.Write(Path.Combine(_folder, "x.png"), points, labels[1..], "t"));
        Assert.Equal("labels", error.ParamName);
        points[2, 1] = float.NaN;
        error = Assert.Throws<ArgumentException>(() => ScatterPlot.Write(Path.Combine(_folder, "x.png"), points, labels, "t"));
        Assert.Equal("points", error.ParamName);
        Assert.False(File.Exists(Path.Combine(_folder, "x.png")));
    }

    [Fact]
    public void PcaRecoversTheDominantDirectionsOfAPlaneIn5D()
    {
        // Points on a plane spanned by u (spread 10) and v (spread 3) plus tiny noise; PC1 must follow u, PC2 v.
        var rng = new Random(11);
        double[] u = [0.6, 0.8, 0, 0, 0], v = [0, 0, 0.6, 0, -0.8];
        int n = 400;
        var points = new float[n, 5];
        var a = new double[n];
        var b = new double[n];
        for (int i = 0; i < n; i++)
        {
            // A full 20 × 20 grid, so a and b are exactly uncorrelated and the sample PCs are exactly u and v.
            a[i] = 10 * ((i % 20) - 9.5) / 20;
            b[i] = 3 * ((i / 20) - 9.5) / 20;
            for (int j = 0; j < 5; j++)
                points[i, j] = (float)(a[i] * u[j] + b[i] * v[j] + 1e-3 * (rng.NextDouble() - 0.5) + 7);
        }
        var projection = PcaProjection.Project(points, PcaProjection.Subsample(n, 5000));
        Assert.True(Math.Abs(Correlation(projection.X, a)) > 0.9999);
        Assert.True(Math.Abs(Correlation(projection.Y, b)) > 0.9999);
        Assert.StartsWith("PC1 (9", projection.XLabel, StringComparison.Ordinal); // 100/(100+9) ≈ 91.7%
        Assert.Equal(0, projection.X.Average(), 1e-6); // centred
    }

    [Fact]
    public void PcaHandlesRankOneAndConstantData()
    {
        var line = new float[50, 4];
        for (int i = 0; i < 50; i++)
            for (int j = 0; j < 4; j++)
                line[i, j] = i * (j + 1);
        var projection = PcaProjection.Project(line, PcaProjection.Subsample(50, 5000));
        Assert.All(projection.X.Concat(projection.Y), value => Assert.True(double.IsFinite(value)));
        Assert.Equal(0, projection.Y.Max(Math.Abs), 1e-6);

        var constant = new float[10, 3];
        projection = PcaProjection.Project(constant, PcaProjection.Subsample(10, 5000));
        Assert.All(projection.X.Concat(projection.Y), value => Assert.Equal(0, value));
    }

    [Fact]
    public void SubsampleIsDeterministicSortedAndDistinct()
    {
        int[] first = PcaProjection.Subsample(12_000, 5_000);
        Assert.Equal(first, PcaProjection.Subsample(12_000, 5_000));
        Assert.Equal(5_000, first.Distinct().Count());
        Assert.Equal(first.Order(), first);
        Assert.InRange(first[^1], 11_000, 11_999); // spread over the whole range, not a prefix
        Assert.Equal(Enumerable.Range(0, 30), PcaProjection.Subsample(30, 5_000));
    }

    // ---- confusion ---------------------------------------------------------------------------------------

    [Fact]
    public void ConfusionWritesAnnotatedHeatmapOfDocumentedSize()
    {
        long[,] matrix = { { 50, 2, 0, 1 }, { 3, 40, 5, 0 }, { 0, 1, 45, 7 } };
        string path = Path.Combine(_folder, "confusion.png");
        ConfusionPlot.Write(path, matrix, [0, 1, 2], [2, 0, 1, 3], "small");
        // Cell 56 px (600 / 4 clamped to 56); 110 + 4·56 + 150 wide, 60 + 3·56 + 80 high.
        Assert.Equal((484, 308), ConfusionPlot.ImageSize(3, 4));
        AssertPng(path, 484, 308);
    }

    [Fact]
    public void ConfusionWithManyClustersSkipsCountsButStillDraws()
    {
        var matrix = new long[25, 30];
        for (int i = 0; i < 25; i++)
            matrix[i, i] = 10 + i;
        string path = Path.Combine(_folder, "confusion-large.png");
        ConfusionPlot.Write(path, matrix, Enumerable.Range(0, 25).ToArray(), Enumerable.Range(100, 30).ToArray(), "large");
        Assert.Equal(20, ConfusionPlot.CellSize(25, 30));
        AssertPng(path, 110 + 30 * 20 + 150, 60 + 25 * 20 + 80);
    }

    [Fact]
    public void ConfusionRejectsLabelCountMismatchAndNegativeCounts()
    {
        long[,] matrix = { { 1, 2 }, { 3, 4 } };
        var error = Assert.Throws<ArgumentException>(() => ConfusionPlot.Write(Path.Combine(_folder, "c.png"), matrix, [0], [0, 1], "t"));
        Assert.Equal("rowLabels", error.ParamName);
        matrix[1, 0] = -1;
        error = Assert.Throws<ArgumentException>(() => ConfusionPlot.Write(Path.Combine(_folder, "c.png"), matrix, [0, 1], [0, 1], "t"));
        Assert.Equal("matrix", error.ParamName);
    }

    [Fact]
    public void MatchedContingencyPutsHungarianPairsOnTheDiagonal()
    {
        // Clusters 7, 5, 9 hold classes 0, 1, 2 (with one error); cluster 4 is surplus.
        int[] truth = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2];
        int[] predicted = [7, 7, 5, 5, 5, 5, 9, 9, 9, 4];
        var (matrix, rows, columns) = ClusterPlots.MatchedContingency(truth, predicted);
        Assert.Equal([0, 1, 2], rows);
        Assert.Equal([7, 5, 9, 4], columns);
        long diagonal = matrix[0, 0] + matrix[1, 1] + matrix[2, 2];
        Assert.Equal(ClusterScores.Accuracy(truth, predicted) * truth.Length, diagonal, 1e-9);
        Assert.Equal(truth.Length, matrix.Cast<long>().Sum());

        // Fewer clusters than classes: the unmatched class goes last so the pairs still form the diagonal.
        truth = [0, 0, 1, 1, 2, 2];
        predicted = [3, 3, 3, 3, 8, 8];
        (matrix, rows, columns) = ClusterPlots.MatchedContingency(truth, predicted);
        Assert.Equal(2, columns.Length);
        Assert.Equal(matrix[0, 0] + matrix[1, 1], ClusterScores.Accuracy(truth, predicted) * truth.Length, 1e-9);
        Assert.Equal(3, rows.Length);
    }

    // ---- training curves ---------------------------------------------------------------------------------

    [Fact]
    public void TrainingCurveWritesOnePanelPerPhaseAndSkipsNonFiniteValues()
    {
        var points = new List<(string Phase, double Objective)>();
        for (int e = 0; e < 12; e++)
            points.Add(("pretrain", 1.0 / (e + 1)));
        points.Add(("cluster", double.NaN));
        for (int e = 0; e < 8; e++)
            points.Add(("cluster", -100 - e));
        string path = Path.Combine(_folder, "training.png");
        TrainingCurvePlot.Write(path, points, "curves");
        Assert.Equal((900, 600), TrainingCurvePlot.ImageSize(2));
        AssertPng(path, 900, 600);

        string single = Path.Combine(_folder, "training1.png");
        TrainingCurvePlot.Write(single, [("em", 3.0), ("em", 2.0)], "one");
        AssertPng(single, 900, 450);
    }

    [Fact]
    public void TrainingCurveRejectsEmptyHistoryAndUnnamedPhase()
    {
        Assert.Equal("points", Assert.Throws<ArgumentException>(
            () => TrainingCurvePlot.Write(Path.Combine(_folder, "t.png"), [], "t")).ParamName);
        Assert.Equal("points", Assert.Throws<ArgumentException>(
            () => TrainingCurvePlot.Write(Path.Combine(_folder, "t.png"), [("a", 1.0), (" ", 2.0)], "t")).ParamName);
    }

    // ---- image grid --------------------------------------------------------------------------------------

    [Fact]
    public void ImageGridWritesOneRowPerClusterAtDocumentedSize()
    {
        const int height = 8, width = 6, clusters = 3;
        var rng = new Random(5);
        var images = new float[30, height * width];
        var labels = new int[30];
        for (int i = 0; i < 30; i++)
        {
            labels[i] = i % clusters;
            for (int p = 0; p < height * width; p++)
                images[i, p] = (float)(100 * rng.NextDouble() - 50); // any range: normalised per image
        }
        images[1, 3] = float.NaN;
        for (int p = 0; p < height * width; p++)
            images[2, p] = 4; // a constant image
        string path = Path.Combine(_folder, "images.png");
        ImageGridPlot.Write(path, images, height, width, labels, "grid", perCluster: 4);
        // Scale round(56 / 8) = 7; mosaic 4·7 − 1 = 27 columns and 3·9 − 1 = 26 rows of image pixels.
        Assert.Equal(7, ImageGridPlot.Scale(clusters, height, width));
        Assert.Equal((140 + 27 * 7 + 20, 50 + 26 * 7 + 20), ImageGridPlot.ImageSize(clusters, height, width, 4));
        AssertPng(path, 349, 252);
    }

    [Fact]
    public void ImageGridRejectsWrongShapeAndPerCluster()
    {
        var images = new float[4, 12];
        int[] labels = [0, 0, 1, 1];
        string path = Path.Combine(_folder, "g.png");
        Assert.Equal("images", Assert.Throws<ArgumentException>(() => ImageGridPlot.Write(path, images, 3, 5, labels, "t")).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGridPlot.Write(path, images, 3, 4, labels, "t", perCluster: 0));
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => ImageGridPlot.Write(path, images, 3, 4, labels[..3], "t")).ParamName);
    }

    [Fact]
    public void ImageGridScaleShrinksForManyClusters()
    {
        Assert.Equal(2, ImageGridPlot.Scale(10, 28, 28));
        Assert.Equal(1, ImageGridPlot.Scale(200, 28, 28));
        Assert.Equal(8, ImageGridPlot.Scale(3, 4, 4)); // capped
    }

    // ---- all together ------------------------------------------------------------------------------------

    [Fact]
    public void WriteAllWritesEveryPlotThatItsInputsAllow()
    {
        var (data, truth) = Blobs(12, 3, 16);
        int[] predicted = truth.Select(t => (t + 1) % 3).ToArray();
        predicted[0] = 2;
        var training = new List<(string Phase, double Objective)> { ("pretrain", 1), ("pretrain", 0.5), ("cluster", -3) };
        string folder = Path.Combine(_folder, "all");
        var written = ClusterPlots.WriteAll(folder, data, predicted, truth, training, (4, 4), title: "blobs");
        Assert.Equal(["scatter.png", "confusion.png", "training.png", "images.png"], written.Select(Path.GetFileName));
        AssertPng(written[0], ScatterPlot.Width, ScatterPlot.Height);
        var (cw, ch) = ConfusionPlot.ImageSize(3, 3);
        AssertPng(written[1], cw, ch);
        AssertPng(written[2], 900, 600); // two phases
        var (iw, ih) = ImageGridPlot.ImageSize(3, 4, 4, 10);
        AssertPng(written[3], iw, ih);

        string bare = Path.Combine(_folder, "bare");
        written = ClusterPlots.WriteAll(bare, data, predicted);
        Assert.Equal(["scatter.png"], written.Select(Path.GetFileName));
        Assert.Equal(["scatter.png"], Directory.GetFiles(bare).Select(Path.GetFileName));
    }

    [Fact]
    public void WriteAllUsesEmbeddingForScatterAndChecksItsLength()
    {
        var (data, labels) = Blobs(10, 2, 6);
        var embedding = new float[20, 2];
        for (int i = 0; i < 20; i++)
        {
            embedding[i, 0] = labels[i];
            embedding[i, 1] = i;
        }
        var written = ClusterPlots.WriteAll(Path.Combine(_folder, "emb"), data, labels, embedding: embedding);
        AssertPng(Assert.Single(written), ScatterPlot.Width, ScatterPlot.Height);
        Assert.Equal("embedding", Assert.Throws<ArgumentException>(
            () => ClusterPlots.WriteAll(_folder, data, labels, embedding: new float[3, 2])).ParamName);
        Assert.Equal("truth", Assert.Throws<ArgumentException>(
            () => ClusterPlots.WriteAll(_folder, data, labels, truth: [1, 2])).ParamName);
    }

    [Fact]
    public void WriteAllFromDatasetReadsLabelsImageShapeAndName()
    {
        // 3-channel 4 × 5 images: the grid shows their channel mean.
        const int channels = 3, height = 4, width = 5;
        var (values, truth) = Blobs(8, 3, channels * height * width);
        var data = Dataset.FromArray(values, truth, "tiny-rgb", new ImageShape(channels, height, width));
        int[] predicted = truth.Select(t => 2 - t).ToArray();
        var written = ClusterPlots.WriteAll(Path.Combine(_folder, "ds"), data, predicted);
        Assert.Equal(["scatter.png", "confusion.png", "images.png"], written.Select(Path.GetFileName));
        var (iw, ih) = ImageGridPlot.ImageSize(3, height, width, 10);
        AssertPng(written[2], iw, ih);

        var unlabelled = Dataset.FromArray(values, name: "tabular");
        written = ClusterPlots.WriteAll(Path.Combine(_folder, "ds2"), unlabelled, predicted, training: [("em", -1.0)]);
        Assert.Equal(["scatter.png", "training.png"], written.Select(Path.GetFileName));
    }

    [Fact]
    public void PlotRowsGivesTheSameRowsForArrayAndBuffer()
    {
        float[,] array = { { 1, 2, 3 }, { 4, 5, 6 } };
        var fromArray = new PlotRows(array);
        var fromBuffer = new PlotRows(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal((2, 3), (fromArray.Count, fromArray.Columns));
        Assert.Equal([4f, 5f, 6f], fromArray[1].ToArray());
        Assert.Equal(fromArray[1].ToArray(), fromBuffer[1].ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => fromArray[2].ToArray());
        Assert.Throws<ArgumentException>(() => new PlotRows(new float[5], 2, 3));
    }

    private static double Correlation(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.Sqrt(sxx * syy);
    }
}
