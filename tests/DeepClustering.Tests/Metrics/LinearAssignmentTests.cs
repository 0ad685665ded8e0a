using DeepClustering.Metrics;

namespace DeepClustering.Tests.Metrics;

public class LinearAssignmentTests
{
    [Fact]
    public void SolvesASmallSquareProblem()
    {
        double[,] cost = { { 4, 1, 3 }, { 2, 0, 5 }, { 3, 2, 2 } };
        Assert.Equal([1, 0, 2], LinearAssignment.Minimize(cost));   // 1 + 2 + 2 = 5
        Assert.Equal(11, Total(cost, LinearAssignment.Maximize(cost)));   // 4 + 5 + 2
    }

    [Fact]
    public void RectangularMatricesLeaveSurplusRowsUnassigned()
    {
        double[,] wide = { { 5, 1, 9, 2 }, { 1, 6, 2, 8 } };
        Assert.Equal([1, 0], LinearAssignment.Minimize(wide));
        Assert.Equal([2, 3], LinearAssignment.Maximize(wide));

        double[,] tall = { { 5, 1 }, { 9, 2 }, { 1, 6 }, { 2, 8 } };
        Assert.Equal([1, -1, 0, -1], LinearAssignment.Minimize(tall));   // rows 0 and 2 take columns 1 and 0
        Assert.Equal([-1, 0, -1, 1], LinearAssignment.Maximize(tall));  // 9 + 8
    }

    [Fact]
    public void EmptyMatricesGiveEmptyOrUnassignedResults()
    {
        Assert.Empty(LinearAssignment.Minimize(new double[0, 0]));
        Assert.Equal([-1, -1], LinearAssignment.Minimize(new double[2, 0]));
        Assert.Empty(LinearAssignment.Maximize(ReadOnlySpan<double>.Empty, 0, 5));
    }

    [Fact]
    public void FindsAPlantedOptimumOnALargeMatrix()
    {
        // Costs ≥ 1 everywhere except a hidden permutation of zeros: the optimum is exactly that permutation.
        int n = 400;
        var random = new Random(7);
        var perm = Enumerable.Range(0, n).OrderBy(_ => random.Next()).ToArray();
        var cost = new double[n, n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
                cost[r, c] = c == perm[r] ? 0.0 : 1.0 + random.NextDouble();
        Assert.Equal(perm, LinearAssignment.Minimize(cost));
    }

    [Fact]
    public void MatchesBruteForceOnRandomSmallMatrices()
    {
        var random = new Random(99);
        for (int trial = 0; trial < 200; trial++)
        {
            int rows = random.Next(1, 6), cols = random.Next(1, 6);
            var cost = new double[rows, cols];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    cost[r, c] = trial % 3 == 0 ? random.Next(3) : random.NextDouble() * 20 - 10;
            int[] min = LinearAssignment.Minimize(cost), max = LinearAssignment.Maximize(cost);
            AssertValid(min, rows, cols);
            AssertValid(max, rows, cols);
            var (bestMin, bestMax) = BruteForce(cost);
            Assert.Equal(bestMin, Total(cost, min), 9);
            Assert.Equal(bestMax, Total(cost, max), 9);
        }
    }

    [Fact]
    public void FlatOverloadAgreesWithTheMatrixOverload()
    {
        double[,] cost = { { 3, 8, 1 }, { 4, 2, 7 } };
        double[] flat = [3, 8, 1, 4, 2, 7];
        Assert.Equal(LinearAssignment.Minimize(cost), LinearAssignment.Minimize(flat, 2, 3));
        Assert.Equal(LinearAssignment.Maximize(cost), LinearAssignment.Maximize(flat, 2, 3));
    }

    [Fact]
    public void RejectsNonFiniteCostsAndBadShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => LinearAssignment.Minimize(new double[,] { { 1, double.NaN } }));
        Assert.Equal("cost", e.ParamName);
        Assert.Contains("[0, 1]", e.Message);
        Assert.Throws<ArgumentException>(() => LinearAssignment.Maximize(new double[,] { { double.PositiveInfinity } }));
        Assert.Throws<ArgumentException>(() => LinearAssignment.Minimize(new double[5], 2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearAssignment.Minimize(ReadOnlySpan<double>.Empty, -1, 0));
        Assert.Throws<ArgumentNullException>(() => LinearAssignment.Minimize(null!));
    }

    [Fact]
    public void ExtremeMagnitudesEitherSolveOrThrowANumericsError()
    {
        double[,] cost = { { 1e308, -1e308, 0 }, { -1e308, 1e308, 1 }, { 5, 5, -1e308 } };
        try
        {
            int[] rows = LinearAssignment.Minimize(cost);
            AssertValid(rows, 3, 3);
            Assert.Equal([1, 0, 2], rows);
        }
        catch (ClusteringNumericsException e)
        {
            Assert.Contains("Rescale", e.Message);
        }
    }

    internal static void AssertValid(int[] assignment, int rows, int cols)
    {
        Assert.Equal(rows, assignment.Length);
        var assigned = assignment.Where(c => c >= 0).ToArray();
        Assert.Equal(Math.Min(rows, cols), assigned.Length);
        Assert.Equal(assigned.Length, assigned.Distinct().Count());
        Assert.All(assigned, c => Assert.InRange(c, 0, cols - 1));
    }

    internal static double Total(double[,] cost, int[] assignment)
    {
        double total = 0;
        for (int r = 0; r < assignment.Length; r++)
            if (assignment[r] >= 0) total += cost[r, assignment[r]];
        return total;
    }

    private static (double Min, double Max) BruteForce(double[,] cost)
    {
        int rows = cost.GetLength(0), cols = cost.GetLength(1);
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        var used = new bool[Math.Max(rows, cols)];
        void Recurse(int r, int placed, double sum)
        {
            if (r == rows)
            {
                if (placed != Math.Min(rows, cols)) return;
                min = Math.Min(min, sum);
                max = Math.Max(max, sum);
                return;
            }
            if (rows - r > cols - placed) Recurse(r + 1, placed, sum);   // leave row r unassigned
            for (int c = 0; c < cols; c++)
            {
                if (used[c]) continue;
                used[c] = true;
                Recurse(r + 1, placed + 1, sum + cost[r, c]);
                used[c] = false;
            }
        }
        Recurse(0, 0, 0);
        return (min, max);
    }
}
