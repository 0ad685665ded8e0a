namespace DeepClustering.Metrics;

/// <summary>
/// Solves the linear assignment problem (Hungarian / Jonker–Volgenant shortest augmenting paths with row and
/// column potentials, O(r²·c) for r ≤ c) on a dense matrix of finite <see cref="double"/> costs.
/// </summary>
/// <remarks>
/// Rectangular matrices are allowed: every row is assigned when there are no more rows than columns,
/// otherwise every column is (the solver works on the transpose), and the surplus rows or columns stay
/// unassigned — the same convention as SciPy's <c>linear_sum_assignment</c>. Ties between optimal
/// assignments are broken arbitrarily but deterministically.
/// </remarks>
public static class LinearAssignment
{
    /// <summary>Finds the assignment of rows to columns with the smallest total cost.</summary>
    /// <param name="cost">Cost matrix (rows × columns); every entry must be finite.</param>
    /// <returns>For each row, its column, or −1 for a row left unassigned because rows outnumber columns.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cost"/> is null.</exception>
    /// <exception cref="ArgumentException">An entry is NaN or infinite.</exception>
    public static int[] Minimize(double[,] cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        return Solve(Flatten(cost), cost.GetLength(0), cost.GetLength(1), maximize: false, nameof(cost));
    }

    /// <summary>Finds the assignment of rows to columns with the largest total profit.</summary>
    /// <param name="profit">Profit matrix (rows × columns); every entry must be finite.</param>
    /// <returns>For each row, its column, or −1 for a row left unassigned because rows outnumber columns.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="profit"/> is null.</exception>
    /// <exception cref="ArgumentException">An entry is NaN or infinite.</exception>
    public static int[] Maximize(double[,] profit)
    {
        ArgumentNullException.ThrowIfNull(profit);
        return Solve(Flatten(profit), profit.GetLength(0), profit.GetLength(1), maximize: true, nameof(profit));
    }

    /// <summary>Finds the minimum-cost assignment for a row-major cost matrix.</summary>
    /// <param name="cost">Row-major entries, <c>cost[r * columns + c]</c>; length must be rows × columns.</param>
    /// <param name="rows">Number of rows (≥ 0).</param>
    /// <param name="columns">Number of columns (≥ 0).</param>
    /// <returns>For each row, its column, or −1 for an unassigned row.</returns>
    /// <exception cref="ArgumentException">The length does not match or an entry is not finite.</exception>
    public static int[] Minimize(ReadOnlySpan<double> cost, int rows, int columns)
        => Solve(cost, rows, columns, maximize: false, nameof(cost));

    /// <summary>Finds the maximum-profit assignment for a row-major profit matrix.</summary>
    /// <param name="profit">Row-major entries, <c>profit[r * columns + c]</c>; length must be rows × columns.</param>
    /// <param name="rows">Number of rows (≥ 0).</param>
    /// <param name="columns">Number of columns (≥ 0).</param>
    /// <returns>For each row, its column, or −1 for an unassigned row.</returns>
    /// <exception cref="ArgumentException">The length does not match or an entry is not finite.</exception>
    public static int[] Maximize(ReadOnlySpan<double> profit, int rows, int columns)
        => Solve(profit, rows, columns, maximize: true, nameof(profit));

    private static double[] Flatten(double[,] matrix)
    {
        var flat = new double[matrix.Length];
        int columns = matrix.GetLength(1), k = 0;
        for (int r = 0; r < matrix.GetLength(0); r++)
            for (int c = 0; c < columns; c++)
                flat[k++] = matrix[r, c];
        return flat;
    }

    private static int[] Solve(ReadOnlySpan<double> matrix, int rows, int columns, bool maximize, string paramName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns != matrix.Length)
            throw new ArgumentException($"{paramName} has {matrix.Length} entries but rows × columns = {(long)rows * columns}.", paramName);

        var result = new int[rows];
        Array.Fill(result, -1);
        if (rows == 0 || columns == 0)
            return result;

        // The solver needs n ≤ m; a tall matrix is solved on its transpose. Working on the rectangle directly
        // (instead of zero-padding to a square) keeps 10 × 70 000 problems cheap.
        bool transpose = rows > columns;
        int n = transpose ? columns : rows, m = transpose ? rows : columns;
        var a = new double[n * m];
        double sign = maximize ? -1.0 : 1.0;
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                double value = matrix[r * columns + c];
                if (!double.IsFinite(value))
                    throw new ArgumentException($"{paramName}[{r}, {c}] is {value}; every entry must be finite.", paramName);
                a[transpose ? c * m + r : r * m + c] = sign * value;
            }
        }

        int[] rowOfColumn = SolveShortRows(a, n, m);
        for (int j = 0; j < m; j++)
        {
            int i = rowOfColumn[j];
            if (i < 0) continue;
            if (transpose) result[j] = i; else result[i] = j;
        }
        return result;
    }

    /// <summary>
    /// Core solver for n ≤ m on a row-major n × m array; returns, for each column, its row or −1.
    /// One shortest augmenting path per row (Dijkstra on reduced costs, as in Crouse 2016 / SciPy); the dual
    /// potentials are updated once per path rather than at every step, which halves the work per row.
    /// </summary>
    private static int[] SolveShortRows(double[] a, int n, int m)
    {
        var u = new double[n];                 // row potentials
        var v = new double[m];                 // column potentials
        var shortest = new double[m];          // tentative path lengths to each column
        var path = new int[m];                 // row from which each column was reached
        var rowOfColumn = new int[m];
        var columnOfRow = new int[n];
        var remaining = new int[m];            // columns not yet settled, compacted so scans skip settled ones
        var visitedRows = new int[n];
        var visitedColumns = new int[m];
        Array.Fill(rowOfColumn, -1);
        Array.Fill(columnOfRow, -1);

        for (int current = 0; current < n; current++)
        {
            for (int j = 0; j < m; j++) { shortest[j] = double.PositiveInfinity; remaining[j] = j; }
            int remainingCount = m, rowCount = 0, columnCount = 0, sink = -1, i = current;
            double minValue = 0.0;

            while (sink < 0)
            {
                visitedRows[rowCount++] = i;
                double lowest = double.PositiveInfinity, ui = u[i];
                int index = -1, offset = i * m;
                for (int it = 0; it < remainingCount; it++)
                {
                    int j = remaining[it];
                    double r = minValue + a[offset + j] - ui - v[j];
                    if (r < shortest[j]) { path[j] = i; shortest[j] = r; }
                    // Among equal lengths prefer a free column: it ends the search now (integer costs tie a lot).
                    if (shortest[j] < lowest || (shortest[j] == lowest && rowOfColumn[j] < 0))
                    {
                        lowest = shortest[j];
                        index = it;
                    }
                }
                if (index < 0 || !double.IsFinite(lowest))
                    throw new ClusteringNumericsException(
                        "Linear assignment failed: the reduced costs overflowed. Rescale the cost matrix to a smaller magnitude.");

                minValue = lowest;
                int column = remaining[index];
                if (rowOfColumn[column] < 0) sink = column; else i = rowOfColumn[column];
                visitedColumns[columnCount++] = column;
                remaining[index] = remaining[--remainingCount];
            }

            // Dual update: keeps every reduced cost ≥ 0 and the new matching edges tight.
            u[current] += minValue;
            for (int k = 1; k < rowCount; k++)
            {
                int r = visitedRows[k];
                u[r] += minValue - shortest[columnOfRow[r]];
            }
            for (int k = 0; k < columnCount; k++)
            {
                int c = visitedColumns[k];
                v[c] -= minValue - shortest[c];
            }

            // Augment along the path back to the current row.
            for (int j = sink; ;)
            {
                int r = path[j];
                rowOfColumn[j] = r;
                (columnOfRow[r], j) = (j, columnOfRow[r]);
                if (r == current) break;
            }
        }
        return rowOfColumn;
    }
}
