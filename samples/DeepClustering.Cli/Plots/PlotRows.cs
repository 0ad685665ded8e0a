using System.Runtime.InteropServices;

namespace DeepClustering.Cli.Plots;

/// <summary>
/// Read-only N × D rows for the plot writers, over a <c>float[,]</c> or a row-major buffer (such as
/// <c>Dataset.Values</c>) without copying, so large datasets are only read where a plot samples them.
/// </summary>
internal sealed class PlotRows
{
    private readonly float[,]? _array;
    private readonly ReadOnlyMemory<float> _values;

    /// <summary>Rows over a 2-D array (not copied; do not change it while plotting).</summary>
    public PlotRows(float[,] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        _array = array;
        Count = array.GetLength(0);
        Columns = array.GetLength(1);
    }

    /// <summary>Rows over row-major <paramref name="values"/> of length <paramref name="rows"/> × <paramref name="columns"/>.</summary>
    public PlotRows(ReadOnlyMemory<float> values, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns != values.Length)
            throw new ArgumentException($"values has {values.Length} entries, not rows x columns = {(long)rows * columns}.", nameof(values));
        _values = values;
        Count = rows;
        Columns = columns;
    }

    /// <summary>Number of rows (N).</summary>
    public int Count { get; }

    /// <summary>Number of columns (D).</summary>
    public int Columns { get; }

    /// <summary>Row <paramref name="index"/> (0 ≤ index &lt; N).</summary>
    public ReadOnlySpan<float> this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"Row index must be below {Count}.");
            if (Columns == 0)
                return [];
            // A float[,] is stored row-major and contiguously, so a row is one span.
            return _array is not null
                ? MemoryMarshal.CreateReadOnlySpan(ref _array[index, 0], Columns)
                : _values.Span.Slice(index * Columns, Columns);
        }
    }
}
