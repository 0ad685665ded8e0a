using System.Globalization;

namespace DeepClustering.Data;

/// <summary>
/// How an N-D array of a binary file becomes rows: the first axis counts samples and the others are flattened.
/// 1-D arrays are one column; 3-D arrays (n, h, w) are single-channel images; 4-D arrays are images when one axis
/// looks like channels: (n, c, h, w) with c ≤ 4 as stored, or (n, h, w, c) with c ≤ 4 (channels last, as
/// Keras/TensorFlow save them), whose rows are transposed to channels-first so that <see cref="ImageShape"/>
/// describes them.
/// </summary>
internal sealed class ArrayLayout
{
    private const int MaxChannels = 4;

    /// <summary>Samples (first axis).</summary>
    public long Rows { get; }

    /// <summary>Values per sample.</summary>
    public int Columns { get; }

    /// <summary>Image shape of a row, when the array looks like images.</summary>
    public ImageShape? Image { get; }

    /// <summary>Whether rows are stored height x width x channels and must be transposed.</summary>
    public bool ChannelsLast { get; }

    /// <summary>The shape as written in messages, e.g. "10000 x 28 x 28".</summary>
    public string ShapeText { get; }

    private ArrayLayout(long rows, int columns, ImageShape? image, bool channelsLast, string text)
    {
        Rows = rows; Columns = columns; Image = image; ChannelsLast = channelsLast; ShapeText = text;
    }

    /// <summary>
    /// Checks a declared shape and derives the layout. Every size must be ≥ 1, a row must fit in memory, and
    /// with <paramref name="wholeInMemory"/> the whole array must fit in one .NET array (2^31 elements).
    /// </summary>
    public static ArrayLayout FromShape(string source, IReadOnlyList<long> shape, bool wholeInMemory)
    {
        string text = string.Join(" x ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture)));
        if (shape.Count == 0) throw new DataFormatException(source, "the array is a scalar (shape ()); expected samples along a first axis.");
        for (int i = 0; i < shape.Count; i++)
        {
            if (shape[i] < 0) throw new DataFormatException(source, $"the header declares a negative size in shape {text}.");
            if (shape[i] == 0)
                throw new DataFormatException(source, $"the array is empty (shape {text}): there are no {(i == 0 ? "rows" : "values per row")}.");
        }
        long columns = 1;
        for (int i = 1; i < shape.Count; i++)
        {
            columns *= shape[i];
            if (columns > Array.MaxLength)
                throw new DataFormatException(source, $"the header declares {text} values: one row alone would exceed {Array.MaxLength:N0} values; the header is wrong or the rows are too large.");
        }
        long rows = shape[0];
        if (wholeInMemory && (rows > int.MaxValue || rows * columns > Array.MaxLength))
            throw new DataFormatException(source,
                $"the header declares {text} = {(double)rows * columns:G4} values, more than the {Array.MaxLength:N0} an in-memory dataset can hold: the header is wrong, or the data must be read in chunks (NpyChunkSource streams .npy files larger than memory).");

        ImageShape? image = null;
        bool channelsLast = false;
        if (shape.Count == 3 && shape[1] <= int.MaxValue && shape[2] <= int.MaxValue)
            image = new ImageShape(1, (int)shape[1], (int)shape[2]);
        else if (shape.Count == 4)
        {
            if (shape[1] <= MaxChannels)
                image = new ImageShape((int)shape[1], (int)shape[2], (int)shape[3]);
            else if (shape[3] <= MaxChannels)
            {
                image = new ImageShape((int)shape[3], (int)shape[1], (int)shape[2]);
                channelsLast = shape[3] > 1; // one channel: the two orders coincide
            }
        }
        return new ArrayLayout(rows, (int)columns, image, channelsLast, text);
    }

    /// <summary>
    /// Finishes decoded rows in place: transposes channels-last rows to channels-first, and rejects NaN and
    /// infinities naming the first bad row and column.
    /// </summary>
    /// <param name="source">File name for messages.</param>
    /// <param name="values">Whole rows, row-major.</param>
    /// <param name="firstRow">Index of the first of these rows in the file.</param>
    public void FinishRows(string source, Span<float> values, long firstRow)
    {
        int bad = FirstNonFinite(values);
        if (bad >= 0)
        {
            long row = firstRow + bad / Columns;
            int column = bad % Columns;
            string where = ChannelsLast && Image is not null ? $"position {column} of the stored row" : $"column {column}";
            throw new DataFormatException(source,
                $"row {row} (0-based), {where} is {values[bad].ToString(CultureInfo.InvariantCulture)}: NaN and infinite values (or float64 values beyond the float32 range) are not allowed; remove or impute them first.");
        }
        if (!ChannelsLast) return;
        var image = Image!;
        int c = image.Channels, plane = image.Height * image.Width;
        var row0 = new float[Columns];
        for (int start = 0; start < values.Length; start += Columns)
        {
            var r = values.Slice(start, Columns);
            r.CopyTo(row0);
            for (int p = 0; p < plane; p++)
                for (int k = 0; k < c; k++)
                    r[k * plane + p] = row0[p * c + k];
        }
    }

    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++) if (!float.IsFinite(values[i])) return i;
        return -1;
    }
}
