using System.Collections.ObjectModel;
using System.Runtime.CompilerServices;

namespace DeepClustering.Metrics;

/// <summary>
/// Counts of points per (true class, predicted cluster) pair, the basis of every external clustering score.
/// Label values are arbitrary integers (negative, sparse or large ids are fine); they are remapped to
/// 0..L−1 in ascending order and the original values are kept in <see cref="ClassLabels"/> and
/// <see cref="ClusterLabels"/> so that indices can be mapped back.
/// </summary>
/// <remarks>
/// Only the non-empty cells are stored (at most N), so tables with many distinct labels stay small;
/// <see cref="ToArray"/> builds the dense matrix on demand.
/// </remarks>
public sealed class ContingencyTable
{
    /// <summary>Largest dense matrix (cells) that <see cref="ToArray"/> and Hungarian matching will build.</summary>
    internal const long MaxDenseCells = 1L << 26;

    private readonly int[] _classLabels;
    private readonly int[] _clusterLabels;
    private readonly long[] _classTotals;
    private readonly long[] _clusterTotals;
    private readonly int[] _rowStart;        // cells of class i are [_rowStart[i], _rowStart[i + 1])
    private readonly int[] _cellCluster;
    private readonly long[] _cellCount;

    private ContingencyTable(int[] classLabels, int[] clusterLabels, long[] classTotals, long[] clusterTotals,
        int[] rowStart, int[] cellCluster, long[] cellCount, long total)
    {
        _classLabels = classLabels;
        _clusterLabels = clusterLabels;
        _classTotals = classTotals;
        _clusterTotals = clusterTotals;
        _rowStart = rowStart;
        _cellCluster = cellCluster;
        _cellCount = cellCount;
        Total = total;
    }

    /// <summary>Builds the table of two labelings of the same points.</summary>
    /// <param name="truth">True class of each point (any integer ids).</param>
    /// <param name="predicted">Predicted cluster of each point (any integer ids).</param>
    /// <exception cref="ArgumentException">The two labelings differ in length, or are empty.</exception>
    [OverloadResolutionPriority(1)]
    public static ContingencyTable Create(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
    {
        if (truth.Length != predicted.Length)
            throw new ArgumentException(
                $"truth and predicted must label the same points; got {truth.Length} and {predicted.Length} labels.", nameof(predicted));
        if (truth.IsEmpty)
            throw new ArgumentException("truth is empty; clustering scores need at least one labelled point.", nameof(truth));

        int n = truth.Length;
        int[] classLabels = DistinctSorted(truth);
        int[] clusterLabels = DistinctSorted(predicted);
        int classes = classLabels.Length, clusters = clusterLabels.Length;

        // One sortable key per point: class-major, so equal pairs become runs and cells come out row by row.
        var keys = new long[n];
        for (int p = 0; p < n; p++)
        {
            int ci = Array.BinarySearch(classLabels, truth[p]);
            int kj = Array.BinarySearch(clusterLabels, predicted[p]);
            keys[p] = (long)ci * clusters + kj;
        }
        Array.Sort(keys);

        int cellCount = 1;
        for (int p = 1; p < n; p++)
            if (keys[p] != keys[p - 1]) cellCount++;

        var rowStart = new int[classes + 1];
        var cellCluster = new int[cellCount];
        var cellCounts = new long[cellCount];
        var classTotals = new long[classes];
        var clusterTotals = new long[clusters];
        int cell = -1;
        for (int p = 0; p < n; p++)
        {
            if (p == 0 || keys[p] != keys[p - 1])
            {
                cell++;
                int ci = (int)(keys[p] / clusters);
                cellCluster[cell] = (int)(keys[p] % clusters);
                rowStart[ci + 1]++;
            }
            cellCounts[cell]++;
        }
        for (int i = 0; i < classes; i++)
            rowStart[i + 1] += rowStart[i];
        for (int i = 0; i < classes; i++)
        {
            for (int c = rowStart[i]; c < rowStart[i + 1]; c++)
            {
                classTotals[i] += cellCounts[c];
                clusterTotals[cellCluster[c]] += cellCounts[c];
            }
        }
        return new ContingencyTable(classLabels, clusterLabels, classTotals, clusterTotals, rowStart, cellCluster, cellCounts, n);
    }

    /// <summary>Builds the table of two labelings of the same points.</summary>
    /// <param name="truth">True class of each point (any integer ids).</param>
    /// <param name="predicted">Predicted cluster of each point (any integer ids).</param>
    /// <exception cref="ArgumentNullException">A labeling is null.</exception>
    /// <exception cref="ArgumentException">The two labelings differ in length, or are empty.</exception>
    public static ContingencyTable Create(IReadOnlyList<int> truth, IReadOnlyList<int> predicted)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        return Create(new ReadOnlySpan<int>(CopyLabels(truth)), new ReadOnlySpan<int>(CopyLabels(predicted)));
    }

    /// <summary>Number of distinct true labels (rows).</summary>
    public int Classes => _classLabels.Length;

    /// <summary>Number of distinct predicted labels (columns).</summary>
    public int Clusters => _clusterLabels.Length;

    /// <summary>Number of points N.</summary>
    public long Total { get; }

    /// <summary>The distinct true labels in ascending order; row i of the table is class <c>ClassLabels[i]</c>.</summary>
    public IReadOnlyList<int> ClassLabels => Array.AsReadOnly(_classLabels);

    /// <summary>The distinct predicted labels in ascending order; column j is cluster <c>ClusterLabels[j]</c>.</summary>
    public IReadOnlyList<int> ClusterLabels => Array.AsReadOnly(_clusterLabels);

    /// <summary>Row sums: points per true class.</summary>
    public IReadOnlyList<long> ClassTotals => Array.AsReadOnly(_classTotals);

    /// <summary>Column sums: points per predicted cluster.</summary>
    public IReadOnlyList<long> ClusterTotals => Array.AsReadOnly(_clusterTotals);

    /// <summary>The non-empty cells, ordered by class index and then cluster index.</summary>
    public IReadOnlyList<ContingencyCell> NonZeroCells
    {
        get
        {
            var cells = new ContingencyCell[_cellCount.Length];
            for (int i = 0; i < Classes; i++)
                for (int c = _rowStart[i]; c < _rowStart[i + 1]; c++)
                    cells[c] = new ContingencyCell(i, _cellCluster[c], _cellCount[c]);
            return new ReadOnlyCollection<ContingencyCell>(cells);
        }
    }

    /// <summary>Number of points with class index <paramref name="classIndex"/> and cluster index <paramref name="clusterIndex"/>.</summary>
    /// <param name="classIndex">Row, 0 ≤ classIndex &lt; <see cref="Classes"/>.</param>
    /// <param name="clusterIndex">Column, 0 ≤ clusterIndex &lt; <see cref="Clusters"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the table.</exception>
    public long this[int classIndex, int clusterIndex]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(classIndex);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(classIndex, Classes);
            ArgumentOutOfRangeException.ThrowIfNegative(clusterIndex);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(clusterIndex, Clusters);
            int start = _rowStart[classIndex];
            int found = Array.BinarySearch(_cellCluster, start, _rowStart[classIndex + 1] - start, clusterIndex);
            return found >= 0 ? _cellCount[found] : 0;
        }
    }

    /// <summary>Row index of a true label, or −1 if the label does not occur.</summary>
    /// <param name="label">An original true label value.</param>
    public int ClassIndexOf(int label) => Math.Max(-1, Array.BinarySearch(_classLabels, label));

    /// <summary>Column index of a predicted label, or −1 if the label does not occur.</summary>
    /// <param name="label">An original predicted label value.</param>
    public int ClusterIndexOf(int label) => Math.Max(-1, Array.BinarySearch(_clusterLabels, label));

    /// <summary>The dense <see cref="Classes"/> × <see cref="Clusters"/> count matrix (sklearn's <c>contingency_matrix</c>).</summary>
    /// <exception cref="InvalidOperationException">The dense matrix would exceed 2^26 cells; use <see cref="NonZeroCells"/>.</exception>
    public long[,] ToArray()
    {
        EnsureDenseFits("The dense contingency matrix");
        var dense = new long[Classes, Clusters];
        for (int i = 0; i < Classes; i++)
            for (int c = _rowStart[i]; c < _rowStart[i + 1]; c++)
                dense[i, _cellCluster[c]] = _cellCount[c];
        return dense;
    }

    // ---- internal access for ClusterScores (no copies) ------------------------------------------------

    internal ReadOnlySpan<int> ClassLabelSpan => _classLabels;
    internal ReadOnlySpan<int> ClusterLabelSpan => _clusterLabels;
    internal ReadOnlySpan<long> ClassTotalSpan => _classTotals;
    internal ReadOnlySpan<long> ClusterTotalSpan => _clusterTotals;
    internal ReadOnlySpan<int> RowStart => _rowStart;
    internal ReadOnlySpan<int> CellCluster => _cellCluster;
    internal ReadOnlySpan<long> CellCount => _cellCount;

    internal void EnsureDenseFits(string what)
    {
        long cells = (long)Classes * Clusters;
        if (cells > MaxDenseCells)
            throw new InvalidOperationException(
                $"{what} would have {Classes} × {Clusters} = {cells} cells (limit {MaxDenseCells}); the labelings have too many distinct values.");
    }

    private static int[] DistinctSorted(ReadOnlySpan<int> labels)
    {
        int[] sorted = labels.ToArray();
        Array.Sort(sorted);
        int count = 0;
        for (int p = 0; p < sorted.Length; p++)
            if (p == 0 || sorted[p] != sorted[count - 1])
                sorted[count++] = sorted[p];
        Array.Resize(ref sorted, count);
        return sorted;
    }

    internal static int[] CopyLabels(IReadOnlyList<int> labels)
    {
        if (labels is int[] array) return array;
        var copy = new int[labels.Count];
        for (int p = 0; p < copy.Length; p++) copy[p] = labels[p];
        return copy;
    }
}
