using System.Text.Json;
using DeepClustering.Metrics;

namespace DeepClustering.Tests.Metrics;

/// <summary>Compares with values computed offline by Fixtures/scripts/make_metric_fixtures.py (scikit-learn, SciPy).</summary>
public class SklearnParityTests
{
    private const double Tolerance = 1e-10;

    private static readonly Lazy<JsonDocument> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "metrics_sklearn.json"))));

    private static JsonElement Root => Fixture.Value.RootElement;

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    [Fact]
    public void FixtureHasTheExpectedCases()
    {
        Assert.True(Root.GetProperty("labelings").GetArrayLength() >= 40);
        Assert.True(Root.GetProperty("blocks").GetArrayLength() >= 2);
        Assert.True(Root.GetProperty("assignments").GetArrayLength() >= 20);
        Assert.False(string.IsNullOrEmpty(Root.GetProperty("versions").GetProperty("sklearn").GetString()));
    }

    [Fact]
    public void LabelingsMatchSklearn()
    {
        foreach (var c in Root.GetProperty("labelings").EnumerateArray())
        {
            string name = c.GetProperty("name").GetString()!;
            int[] truth = Ints(c.GetProperty("truth")), predicted = Ints(c.GetProperty("predicted"));
            AssertScores(name, truth, predicted, c);

            var table = ContingencyTable.Create(truth, predicted);
            Assert.Equal(Ints(c.GetProperty("class_labels")), table.ClassLabels);
            Assert.Equal(Ints(c.GetProperty("cluster_labels")), table.ClusterLabels);
            long[,] dense = ClusterScores.ContingencyMatrix(truth, predicted);
            var expectedRows = c.GetProperty("contingency").EnumerateArray().ToArray();
            Assert.Equal(expectedRows.Length, dense.GetLength(0));
            for (int i = 0; i < expectedRows.Length; i++)
            {
                long[] row = expectedRows[i].EnumerateArray().Select(v => v.GetInt64()).ToArray();
                Assert.Equal(row.Length, dense.GetLength(1));
                for (int j = 0; j < row.Length; j++)
                    Assert.True(row[j] == dense[i, j], $"{name}: contingency[{i},{j}] = {dense[i, j]}, sklearn {row[j]}");
            }
        }
    }

    [Fact]
    public void LargeBlockCasesMatchSklearn()
    {
        foreach (var c in Root.GetProperty("blocks").EnumerateArray())
        {
            var truth = new List<int>();
            var predicted = new List<int>();
            foreach (var block in c.GetProperty("blocks").EnumerateArray())
            {
                int t = block[0].GetInt32(), p = block[1].GetInt32(), count = block[2].GetInt32();
                truth.AddRange(Enumerable.Repeat(t, count));
                predicted.AddRange(Enumerable.Repeat(p, count));
            }
            Assert.Equal(c.GetProperty("n").GetInt32(), truth.Count);
            AssertScores(c.GetProperty("name").GetString()!, truth.ToArray(), predicted.ToArray(), c);
        }
    }

    private static void AssertScores(string name, int[] truth, int[] predicted, JsonElement expected)
    {
        var report = ClusterScores.Evaluate(truth, predicted);
        Close(name, "mi", expected.GetProperty("mi").GetDouble(), ClusterScores.MutualInformation(truth, predicted));
        Close(name, "ari", expected.GetProperty("ari").GetDouble(), report.Ari);
        Close(name, "accuracy", expected.GetProperty("accuracy").GetDouble(), report.Accuracy);
        Close(name, "purity", expected.GetProperty("purity").GetDouble(), report.Purity);
        var nmi = expected.GetProperty("nmi");
        Close(name, "nmi", nmi.GetProperty("arithmetic").GetDouble(), report.Nmi);
        foreach (var (key, method) in new[] { ("arithmetic", NmiNormalization.Arithmetic), ("geometric", NmiNormalization.Geometric),
                                              ("min", NmiNormalization.Min), ("max", NmiNormalization.Max) })
            Close(name, "nmi " + key, nmi.GetProperty(key).GetDouble(), ClusterScores.NormalizedMutualInformation(truth, predicted, method));
        Assert.Equal(expected.GetProperty("classes").GetInt32(), report.Classes);
        Assert.Equal(expected.GetProperty("clusters").GetInt32(), report.Clusters);
    }

    private static void Close(string name, string what, double expected, double actual)
        => Assert.True(Math.Abs(expected - actual) <= Tolerance, $"{name}: {what} = {actual:R}, sklearn {expected:R}");

    [Fact]
    public void HungarianMatchesScipyLinearSumAssignment()
    {
        foreach (var c in Root.GetProperty("assignments").EnumerateArray())
        {
            string name = c.GetProperty("name").GetString()!;
            int rows = c.GetProperty("rows").GetInt32(), cols = c.GetProperty("columns").GetInt32();
            var cost = new double[rows, cols];
            int r = 0;
            foreach (var row in c.GetProperty("cost").EnumerateArray())
            {
                int col = 0;
                foreach (var v in row.EnumerateArray()) cost[r, col++] = v.GetDouble();
                r++;
            }
            int[] min = LinearAssignment.Minimize(cost), max = LinearAssignment.Maximize(cost);
            LinearAssignmentTests.AssertValid(min, rows, cols);
            LinearAssignmentTests.AssertValid(max, rows, cols);
            double expectedMin = c.GetProperty("min_total").GetDouble(), expectedMax = c.GetProperty("max_total").GetDouble();
            double scale = Math.Max(1.0, Math.Max(Math.Abs(expectedMin), Math.Abs(expectedMax)));
            double gotMin = LinearAssignmentTests.Total(cost, min), gotMax = LinearAssignmentTests.Total(cost, max);
            Assert.True(Math.Abs(gotMin - expectedMin) <= 1e-12 * scale, $"{name}: min total {gotMin:R}, scipy {expectedMin:R}");
            Assert.True(Math.Abs(gotMax - expectedMax) <= 1e-12 * scale, $"{name}: max total {gotMax:R}, scipy {expectedMax:R}");
        }
    }
}
