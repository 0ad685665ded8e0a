using System.Globalization;
using System.Text;
using CsvHelper;

namespace DeepClustering.Data;

/// <summary>
/// Reads delimited text files of numbers (.csv, .tsv, .txt, and gzip-compressed .csv.gz) into a
/// <see cref="Dataset"/>, with CsvHelper doing the RFC 4180 parsing (quotes, BOMs, UTF-16). See
/// <see cref="CsvOptions"/> for header and delimiter detection and label columns.
/// </summary>
/// <remarks>
/// Every problem is a <see cref="DataFormatException"/> whose message names the file, the line and the column:
/// a cell that is not a number, an empty (missing) cell, NaN or infinite values, a row with another field count
/// than the first (ragged rows), a label that is not an integer, malformed quoting, an empty file, a file with
/// only a header.
/// </remarks>
public static class CsvLoader
{
    private const int MaxRecordBytes = 64 << 20;

    /// <summary>Reads a CSV file of features, with labels when the options name a label column.</summary>
    /// <param name="path">The file (gzip-compressed content is recognised whatever the name).</param>
    /// <param name="options">Header, delimiter and label options; null for the defaults.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not a readable table of numbers.</exception>
    /// <exception cref="ArgumentException">The options contradict each other.</exception>
    public static Dataset Load(string path, CsvOptions? options = null)
    {
        options = Checked(options);
        using var stream = DataStream.OpenFile(path);
        return Load(stream, Path.GetFileName(path), options);
    }

    /// <summary>Reads CSV features from a stream (read from its current position; left open).</summary>
    /// <param name="stream">The content, raw or gzip-compressed.</param>
    /// <param name="sourceName">Name used in error messages and as the dataset name.</param>
    /// <param name="options">Header, delimiter and label options; null for the defaults.</param>
    /// <exception cref="DataFormatException">The content is not a readable table of numbers.</exception>
    /// <exception cref="ArgumentException">The options contradict each other.</exception>
    public static Dataset Load(Stream stream, string sourceName, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        options = Checked(options);
        using var data = DataStream.Create(stream, sourceName, leaveOpen: true);
        return Load(data, sourceName, options);
    }

    /// <summary>
    /// Reads a CSV file of labels: one column of integers (or of class names with
    /// <see cref="CsvOptions.CategoricalLabels"/>), or the label column the options name in a wider file.
    /// </summary>
    /// <param name="path">The file (gzip-compressed content is recognised whatever the name).</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not a readable column of labels.</exception>
    public static int[] LoadLabels(string path, CsvOptions? options = null)
    {
        options = Checked(options);
        using var stream = DataStream.OpenFile(path);
        return LoadLabels(stream, options);
    }

    /// <summary>Reads CSV labels from a stream (read from its current position; left open).</summary>
    /// <param name="stream">The content, raw or gzip-compressed.</param>
    /// <param name="sourceName">Name used in error messages.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <exception cref="DataFormatException">The content is not a readable column of labels.</exception>
    public static int[] LoadLabels(Stream stream, string sourceName, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        options = Checked(options);
        using var data = DataStream.Create(stream, sourceName, leaveOpen: true);
        return LoadLabels(data, options);
    }

    internal static Dataset Load(DataStream stream, string name, CsvOptions options)
    {
        var table = Parse(stream, options, labelsOnly: false);
        if (options.Image is { } image && image.Size != table.Columns)
            throw new DataFormatException(stream.Source,
                $"CsvOptions.Image is {image.Channels}x{image.Height}x{image.Width} = {image.Size} values but the rows have {table.Columns} features.");
        return Dataset.Wrap(table.Values, table.Rows, table.Columns, table.Labels, name, options.Image);
    }

    internal static int[] LoadLabels(DataStream stream, CsvOptions options) => Parse(stream, options, labelsOnly: true).Labels!;

    private static CsvOptions Checked(CsvOptions? options)
    {
        options ??= new CsvOptions();
        options.Validate();
        return options;
    }

    private sealed record Table(float[] Values, int Rows, int Columns, int[]? Labels);

    private static Table Parse(DataStream stream, CsvOptions options, bool labelsOnly)
    {
        string source = stream.Source;
        if (stream.IsEmpty) throw new DataFormatException(source, "the file is empty.");
        var head = stream.Head;
        bool utf16 = head.Length >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF));
        if (!utf16 && head.Contains((byte)0))
            throw new DataFormatException(source, "the file is binary, not text: expected a delimited text file of numbers (or a .npy or IDX file).");

        var readerOptions = CsvReaderOptions.Default with
        {
            HasHeader = false,
            Separator = options.Delimiter,
            CommentPrefix = options.CommentPrefix,
            TrimWhitespace = true,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            AllowLineBreaksInQuotes = false,
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MaxRecordSize = MaxRecordBytes,
            FormatProvider = options.Culture,
        };
        try
        {
            using var reader = CsvReader.Create(stream, readerOptions, leaveOpen: true);
            return new Parser(source, options, labelsOnly, reader).Run();
        }
        catch (CsvFormatException e)
        {
            string where = e.LineNumber > 0 ? $"line {e.LineNumber}: " : "";
            throw new DataFormatException(source, $"{where}malformed CSV ({e.Message}).", e);
        }
        catch (DecoderFallbackException e)
        {
            throw new DataFormatException(source, "the text is not valid in its encoding.", e);
        }
    }

    /// <summary>The state of one parse: header, label column, accumulated values.</summary>
    private sealed class Parser(string source, CsvOptions options, bool labelsOnly, CsvReader reader)
    {
        private readonly List<float> _values = new();
        private readonly List<int> _labels = new();
        private List<string>? _labelNames;
        private string[]? _header;
        private int _fields;
        private int _labelIndex = -1;
        private long _headerLine;

        public Table Run()
        {
            if (!reader.Read())
                throw new DataFormatException(source, "the file has no rows (it is empty or holds only comments and blank lines).");
            _fields = reader.FieldCount;
            ResolveLabelColumnByIndex();
            if (IsHeader())
            {
                _header = new string[_fields];
                for (int j = 0; j < _fields; j++) _header[j] = reader.GetString(j) ?? "";
                _headerLine = reader.LineNumber;
                if (options.LabelColumnName is { } labelName) _labelIndex = FindColumn(labelName);
                if (!reader.Read())
                    throw new DataFormatException(source, $"the file has a header (line {_headerLine}) but no data rows.");
            }
            else if (options.LabelColumnName is { } labelName)
                throw new DataFormatException(source, $"LabelColumnName is '{labelName}' but the file has no header row (its first line is all numbers).");

            if (labelsOnly && _labelIndex < 0)
            {
                if (_fields != 1)
                    throw new DataFormatException(source,
                        $"a label file must have one column, but line {reader.LineNumber} has {_fields} fields; set CsvOptions.LabelColumn or LabelColumnName to pick the label column.");
                _labelIndex = 0;
            }
            int columns = labelsOnly ? 0 : _fields - (_labelIndex >= 0 ? 1 : 0);
            if (!labelsOnly && columns == 0)
                throw new DataFormatException(source, "the file has no feature columns, only the label column.");

            int rows = 0;
            do
            {
                if (reader.FieldCount != _fields)
                {
                    string first = _header is not null ? $"the header (line {_headerLine})" : "the first row";
                    throw new DataFormatException(source,
                        $"line {reader.LineNumber} has {reader.FieldCount} fields but {first} has {_fields}: the rows are ragged (a missing or extra delimiter?).");
                }
                if (!labelsOnly && (long)(rows + 1) * columns > Array.MaxLength)
                    throw new DataFormatException(source, $"the file has more values than one dataset can hold ({Array.MaxLength:N0}).");
                for (int j = 0; j < _fields; j++)
                {
                    if (j == _labelIndex) ReadLabel(j);
                    else if (!labelsOnly) _values.Add(ReadNumber(j));
                }
                rows++;
            }
            while (reader.Read());

            int[]? labels = _labelIndex >= 0 ? NumberLabels() : null;
            return new Table(labelsOnly ? [] : _values.ToArray(), rows, columns, labels);
        }

        private void ResolveLabelColumnByIndex()
        {
            if (options.LabelColumn is not int c) return;
            int index = c < 0 ? _fields + c : c;
            if (index < 0 || index >= _fields)
                throw new DataFormatException(source,
                    $"CsvOptions.LabelColumn is {c} but the file has {_fields} columns (valid: 0..{_fields - 1}, or -1..-{_fields} counting from the end).");
            _labelIndex = index;
        }

        private bool IsHeader()
        {
            if (options.HasHeader is bool h) return h;
            if (options.LabelColumnName is not null) return true;
            if (labelsOnly && options.CategoricalLabels) return false; // text labels look like a header: ask for HasHeader
            for (int j = 0; j < _fields; j++)
            {
                if (j == _labelIndex && options.CategoricalLabels) continue;
                var cell = reader.GetSpan(j);
                if (cell.IsEmpty) continue;
                if (!double.TryParse(cell, NumberStyles.Float, options.Culture, out _) && !IsNonFiniteWord(cell)) return true;
            }
            return false;
        }

        private int FindColumn(string name)
        {
            int exact = Array.IndexOf(_header!, name);
            if (exact >= 0) return exact;
            for (int j = 0; j < _header!.Length; j++)
                if (string.Equals(_header[j].Trim(), name.Trim(), StringComparison.OrdinalIgnoreCase)) return j;
            throw new DataFormatException(source,
                $"there is no column named '{name}'; the header (line {_headerLine}) has: {string.Join(", ", _header.Select(h => $"'{Shorten(h)}'"))}.");
        }

        private float ReadNumber(int j)
        {
            var cell = reader.GetSpan(j);
            if (cell.IsEmpty)
                throw new DataFormatException(source, $"line {reader.LineNumber}, {Column(j)} is empty (a missing value); fill or drop missing values first.");
            if (!double.TryParse(cell, NumberStyles.Float, options.Culture, out double v))
            {
                if (IsNonFiniteWord(cell)) throw NonFinite(j, cell);
                throw new DataFormatException(source, $"line {reader.LineNumber}, {Column(j)}: '{Text(cell)}' is not a number.");
            }
            float f = (float)v;
            if (!float.IsFinite(f)) throw NonFinite(j, cell);
            return f;
        }

        private void ReadLabel(int j)
        {
            var cell = reader.GetSpan(j);
            if (cell.IsEmpty)
                throw new DataFormatException(source, $"line {reader.LineNumber}, {Column(j)}: the label is empty (missing).");
            if (_labelNames is null && double.TryParse(cell, NumberStyles.Float, options.Culture, out double v)
                && double.IsFinite(v) && v == Math.Floor(v) && v >= int.MinValue && v <= int.MaxValue)
            {
                _labels.Add((int)v);
                return;
            }
            if (!options.CategoricalLabels)
                throw new DataFormatException(source,
                    $"line {reader.LineNumber}, {Column(j)}: label '{Text(cell)}' is not an integer; labels must be whole numbers (set CsvOptions.CategoricalLabels = true to number text class names).");
            if (_labelNames is null)
            {
                // Switch to names: the integers seen so far become names too.
                _labelNames = _labels.Select(l => l.ToString(CultureInfo.InvariantCulture)).ToList();
                _labels.Clear();
            }
            _labelNames.Add(Encoding.UTF8.GetString(cell));
        }

        private int[] NumberLabels()
        {
            if (_labelNames is null) return _labels.ToArray();
            var names = _labelNames.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            var id = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < names.Length; i++) id[names[i]] = i;
            return _labelNames.Select(n => id[n]).ToArray();
        }

        private DataFormatException NonFinite(int j, ReadOnlySpan<byte> cell) =>
            new(source, $"line {reader.LineNumber}, {Column(j)}: value '{Text(cell)}' is NaN or infinite (or beyond the float32 range); remove or impute such values first.");

        private string Column(int j) =>
            _header is not null ? $"column {j + 1} ('{Shorten(_header[j])}')" : $"column {j + 1}";

        private static bool IsNonFiniteWord(ReadOnlySpan<byte> cell)
        {
            var s = Encoding.UTF8.GetString(cell).Trim().TrimStart('+', '-').ToLowerInvariant();
            return s is "nan" or "inf" or "infinity" or "∞" or "1.#inf" or "1.#qnan" or "1.#ind";
        }

        private static string Text(ReadOnlySpan<byte> cell) => Shorten(Encoding.UTF8.GetString(cell));

        private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
    }
}
