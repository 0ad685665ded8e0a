using System.Globalization;

namespace DeepClustering.Data;

/// <summary>
/// How <see cref="CsvLoader"/> reads a delimited text file of numbers. The defaults suit files written by
/// pandas, numpy (<c>np.savetxt</c>), R and spreadsheets: the header and the delimiter are detected, lines that
/// start with <c>#</c> are comments, and there is no label column.
/// </summary>
public sealed record CsvOptions
{
    /// <summary>
    /// Whether the first record is a header of column names. Null (default) detects it: the first record is a
    /// header when one of its feature cells is text that is not a number.
    /// </summary>
    public bool? HasHeader { get; init; }

    /// <summary>
    /// Index of the column that holds integer labels (0-based; negative counts from the end: -1 is the last
    /// column). Null (default): no label column, unless <see cref="LabelColumnName"/> names one.
    /// </summary>
    public int? LabelColumn { get; init; }

    /// <summary>Name of the label column in the header (matched exactly, then ignoring case and surrounding spaces).</summary>
    public string? LabelColumnName { get; init; }

    /// <summary>Field delimiter; null (default) detects it from the first lines among ',', ';', tab and '|'.</summary>
    public char? Delimiter { get; init; }

    /// <summary>
    /// Culture of the numbers: the default (invariant) expects a decimal point; use e.g.
    /// <c>CultureInfo.GetCultureInfo("de-DE")</c> with <c>Delimiter = ';'</c> for decimal commas.
    /// </summary>
    public CultureInfo Culture { get; init; } = CultureInfo.InvariantCulture;

    /// <summary>
    /// Whether labels may be text (class names): they are then numbered 0..K-1 in sorted (ordinal) order, unless
    /// every label is an integer, in which case they are kept as they are. Default false: a label that is not an
    /// integer is an error.
    /// </summary>
    public bool CategoricalLabels { get; init; }

    /// <summary>Lines starting with this character are skipped (default '#', as numpy writes headers); null for none.</summary>
    public char? CommentPrefix { get; init; } = '#';

    /// <summary>Optional image shape of a row (e.g. (1, 28, 28) for MNIST as CSV); its size must equal the feature count.</summary>
    public ImageShape? Image { get; init; }

    /// <summary>Checks option combinations that are wrong whatever the file.</summary>
    /// <exception cref="ArgumentException">Two options contradict each other.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A delimiter or comment character is not usable.</exception>
    public void Validate()
    {
        if (LabelColumn is not null && LabelColumnName is not null)
            throw new ArgumentException("set either LabelColumn or LabelColumnName, not both.", nameof(LabelColumnName));
        if (LabelColumnName is not null && HasHeader == false)
            throw new ArgumentException("LabelColumnName needs a header row, but HasHeader is false; use LabelColumn (an index) instead.", nameof(LabelColumnName));
        if (LabelColumnName is { Length: 0 } || LabelColumnName is not null && string.IsNullOrWhiteSpace(LabelColumnName))
            throw new ArgumentException("LabelColumnName is empty.", nameof(LabelColumnName));
        if (Delimiter is char d && (d > 127 || d is '"' or '\r' or '\n' || char.IsAsciiLetterOrDigit(d) || d is '.' or '-' or '+'))
            throw new ArgumentOutOfRangeException(nameof(Delimiter), d, "Delimiter must be an ASCII punctuation or whitespace character such as ',', ';', '\\t' or '|' (not a quote, a line break, a letter, a digit or a sign).");
        if (CommentPrefix is char c && (c > 127 || c is '"' or '\r' or '\n' || c == Delimiter))
            throw new ArgumentOutOfRangeException(nameof(CommentPrefix), c, "CommentPrefix must be an ASCII character other than the quote, a line break and the delimiter.");
        ArgumentNullException.ThrowIfNull(Culture, nameof(Culture));
    }
}
