using DeepClustering.Data;

namespace DeepClustering.Tests.Data;

public sealed class EmbeddedDatasetsTests
{
    private static int[] ClassCounts(Dataset d) =>
        d.Labels!.GroupBy(l => l).OrderBy(g => g.Key).Select(g => g.Count()).ToArray();

    private static double Sum(Dataset d)
    {
        double s = 0;
        foreach (var v in d.Values.Span) s += v;
        return s;
    }

    [Fact]
    public void NamesAreTheDocumentedSix()
    {
        Assert.Equal(["mnist-test", "usps", "digits", "iris", "wine", "breast-cancer"], EmbeddedDatasets.Names);
    }

    [Fact]
    public void MnistTest()
    {
        var d = EmbeddedDatasets.Load("mnist-test");
        Assert.Equal(10000, d.Rows);
        Assert.Equal(784, d.Columns);
        Assert.Equal(new ImageShape(1, 28, 28), d.Image);
        Assert.Equal([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], ClassCounts(d));
        Assert.Equal([7, 2, 1, 0, 4], d.Labels!.Take(5));
        Assert.Equal(0f, d.Values.Span.ToArray().Min());
        Assert.Equal(1f, d.Values.Span.ToArray().Max());
        Assert.Equal(1038914.5098, Sum(d), 1e-6 * 1038914.5098); // sum of pixels / 255, from the raw file
        Assert.Same(d, EmbeddedDatasets.Load(" MNIST-Test ")); // cached, case-insensitive
        Assert.IsNotType<int[]>(d.Labels); // the shared dataset cannot be changed through its labels
    }

    [Fact]
    public void Usps()
    {
        var d = EmbeddedDatasets.Load("usps");
        Assert.Equal(9298, d.Rows);
        Assert.Equal(256, d.Columns);
        Assert.Equal(new ImageShape(1, 16, 16), d.Image);
        int[] train = [1194, 1005, 731, 658, 652, 556, 664, 645, 542, 644];
        int[] test = [359, 264, 198, 166, 200, 160, 170, 147, 166, 177];
        Assert.Equal(train, ClassCounts(d.Slice(0, 7291)));
        Assert.Equal(test, ClassCounts(d.Slice(7291, 2007)));
        Assert.Equal(train.Zip(test, (a, b) => a + b), ClassCounts(d));
        var values = d.Values.Span.ToArray();
        Assert.Equal(0f, values.Min());
        Assert.Equal(1f, values.Max());
        Assert.Equal(612482.6, Sum(d), 1.0);
    }

    [Fact]
    public void Digits()
    {
        var d = EmbeddedDatasets.Load("digits");
        Assert.Equal(1797, d.Rows);
        Assert.Equal(64, d.Columns);
        Assert.Equal(new ImageShape(1, 8, 8), d.Image);
        Assert.Equal([178, 182, 177, 183, 181, 182, 181, 179, 174, 180], ClassCounts(d));
        Assert.Equal(16f, d.Values.Span.ToArray().Max());
        Assert.Equal(561718.0, Sum(d), 1e-6);
        Assert.Equal("digits", d.Name);
    }

    [Theory]
    [InlineData("iris", 150, 4, new[] { 50, 50, 50 }, 2078.7, 5.1)]
    [InlineData("wine", 178, 13, new[] { 59, 71, 48 }, 159975.295999, 14.23)]
    [InlineData("breast-cancer", 569, 30, new[] { 212, 357 }, 1056474.4596356, 17.99)]
    public void TabularSets(string name, int rows, int columns, int[] counts, double sum, double first)
    {
        var d = EmbeddedDatasets.Load(name);
        Assert.Equal(rows, d.Rows);
        Assert.Equal(columns, d.Columns);
        Assert.Null(d.Image);
        Assert.Equal(counts, ClassCounts(d));
        Assert.Equal(sum, Sum(d), 1e-6 * sum);
        Assert.Equal((float)first, d.Values.Span[0]);
        Assert.Equal(name, d.Name);
    }

    [Fact]
    public void UnknownNameListsTheValidOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => EmbeddedDatasets.Load("cifar10"));
        Assert.Equal("name", e.ParamName);
        Assert.Contains("cifar10", e.Message);
        foreach (var n in EmbeddedDatasets.Names) Assert.Contains(n, e.Message);
    }
}
