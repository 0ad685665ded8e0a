using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace DeepClustering.Data;

/// <summary>
/// The header of a NumPy <c>.npy</c> file: format version, dtype descriptor, memory order and shape.
/// </summary>
/// <param name="MajorVersion">Format major version (1, 2 or 3).</param>
/// <param name="MinorVersion">Format minor version.</param>
/// <param name="DType">The dtype descriptor as written, e.g. <c>&lt;f4</c>.</param>
/// <param name="FortranOrder">Whether the data are stored column-major.</param>
/// <param name="Shape">The array shape; the first axis counts samples.</param>
/// <param name="DataOffset">Bytes before the data (magic, version, header length, header).</param>
public sealed record NpyHeader(int MajorVersion, int MinorVersion, string DType, bool FortranOrder, IReadOnlyList<long> Shape, long DataOffset)
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int MaxHeaderLength = 1 << 20;

    /// <summary>The element type the dtype maps to.</summary>
    internal ElementKind Kind { get; private init; }

    /// <summary>Whether the content starts with the .npy magic string.</summary>
    internal static bool HasMagic(ReadOnlySpan<byte> head) => head.Length >= 6 && head[..6].SequenceEqual(Magic);

    /// <summary>Reads and checks the header; the stream is left at the first data byte.</summary>
    internal static NpyHeader Read(DataStream stream)
    {
        string source = stream.Source;
        if (stream.IsEmpty) throw new DataFormatException(source, "the file is empty.");
        Span<byte> prefix = stackalloc byte[8];
        int got = stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false);
        if (got < 6 || !prefix[..6].SequenceEqual(Magic))
        {
            if (!prefix[..Math.Min(got, 6)].SequenceEqual(Magic[..Math.Min(got, 6)]))
                throw new DataFormatException(source, "not a .npy file: it does not start with the magic string \\x93NUMPY.");
            throw new DataFormatException(source, "the file ends inside the .npy magic string: it is truncated.");
        }
        if (got < 8) throw new DataFormatException(source, "the file ends inside the .npy version bytes: it is truncated.");
        int major = prefix[6], minor = prefix[7];
        if (major is < 1 or > 3)
            throw new DataFormatException(source, $".npy format version {major}.{minor} is not supported (versions 1.0, 2.0 and 3.0 are).");

        int lengthBytes = major == 1 ? 2 : 4;
        Span<byte> lengthField = stackalloc byte[4];
        stream.ReadExactly(lengthField[..lengthBytes], ".npy header length");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthField) : BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
        if (headerLength > MaxHeaderLength)
            throw new DataFormatException(source, $"the .npy header length is {headerLength:N0} bytes, more than the {MaxHeaderLength:N0} any real header needs: the file is corrupt.");
        stream.EnsureAvailable(headerLength, "a .npy header");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes, ".npy header");
        string text;
        try
        {
            var encoding = major == 3 ? (Encoding)new UTF8Encoding(false, throwOnInvalidBytes: true) : Encoding.Latin1;
            text = encoding.GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new DataFormatException(source, "the .npy version 3 header is not valid UTF-8.", e);
        }

        var dict = PythonLiteral.ParseDictionary(source, text);
        foreach (var key in dict.Keys)
            if (key is not ("descr" or "fortran_order" or "shape"))
                throw new DataFormatException(source, $"the .npy header has an unexpected key '{key}' (expected descr, fortran_order and shape).");
        var descr = dict.GetValueOrDefault("descr") ?? throw new DataFormatException(source, "the .npy header has no 'descr' (dtype) entry.");
        var fortran = dict.GetValueOrDefault("fortran_order") ?? throw new DataFormatException(source, "the .npy header has no 'fortran_order' entry.");
        var shapeValue = dict.GetValueOrDefault("shape") ?? throw new DataFormatException(source, "the .npy header has no 'shape' entry.");

        if (descr is List<object?> || descr is object?[])
            throw new DataFormatException(source, "the array has a structured dtype (a record of named fields); save a plain numeric array instead, e.g. np.save(path, structured_to_unstructured(arr)).");
        if (descr is not string dtype) throw new DataFormatException(source, "the .npy header's 'descr' is not a dtype string.");
        if (fortran is not bool fortranOrder) throw new DataFormatException(source, "the .npy header's 'fortran_order' is not True or False.");
        if (shapeValue is not object?[] tuple) throw new DataFormatException(source, "the .npy header's 'shape' is not a tuple.");
        var shape = new long[tuple.Length];
        for (int i = 0; i < tuple.Length; i++)
            shape[i] = tuple[i] is long v && v >= 0 ? v : throw new DataFormatException(source, "the .npy header's 'shape' must hold non-negative integers.");

        var kind = ParseDType(source, dtype);
        if (fortranOrder && shape.Count(s => s != 1) > 1)
            throw new DataFormatException(source,
                "the array is stored in Fortran (column-major) order, which is not supported; save it in C order, e.g. np.save(path, np.ascontiguousarray(arr)).");

        return new NpyHeader(major, minor, dtype, fortranOrder, shape, stream.Consumed) { Kind = kind };
    }

    private static ElementKind ParseDType(string source, string dtype)
    {
        string d = dtype.Trim();
        const string Supported = "supported dtypes: <f4, <f8, <f2, <i8, <i4, <i2, |i1, <u8, <u4, <u2, |u1, |b1";
        if (d.Length < 2)
            throw new DataFormatException(source, $"the dtype '{dtype}' is not supported ({Supported}).");
        char order = d[0];
        string code = order is '<' or '>' or '|' or '=' ? d[1..] : d;
        if (code is "O" or "O8" or "O4")
            throw new DataFormatException(source,
                $"the array holds Python objects (dtype '{dtype}'), which cannot be read without pickle; save a numeric array, e.g. np.save(path, arr.astype('float32')).");
        ElementKind? kind = code switch
        {
            "f2" or "e" => ElementKind.Float16,
            "f4" or "f" => ElementKind.Float32,
            "f8" or "d" => ElementKind.Float64,
            "i1" or "b" => ElementKind.Int8,
            "i2" or "h" => ElementKind.Int16,
            "i4" or "i" => ElementKind.Int32,
            "i8" or "q" => ElementKind.Int64,
            "u1" or "B" => ElementKind.UInt8,
            "u2" or "H" => ElementKind.UInt16,
            "u4" or "I" => ElementKind.UInt32,
            "u8" or "Q" => ElementKind.UInt64,
            "b1" or "?" => ElementKind.Bool,
            _ => null,
        };
        if (kind is null)
            throw new DataFormatException(source, $"the dtype '{dtype}' is not supported ({Supported}).");
        bool bigEndian = order == '>' || (order == '=' && !BitConverter.IsLittleEndian);
        if (bigEndian && BinaryElements.Size(kind.Value) > 1)
            throw new DataFormatException(source,
                $"the array is big-endian (dtype '{dtype}'), which is not supported; convert it, e.g. np.save(path, arr.astype('<{code}')).");
        return kind.Value;
    }

    /// <summary>
    /// The subset of Python literal syntax that .npy headers use: a dict of string keys whose values are strings,
    /// True/False/None, integers, and tuples or lists of those. Nesting is bounded so that a hostile header
    /// cannot exhaust the stack.
    /// </summary>
    private ref struct PythonLiteral
    {
        private const int MaxDepth = 8;
        private readonly string _source;
        private readonly string _text;
        private int _pos;

        private PythonLiteral(string source, string text) { _source = source; _text = text; _pos = 0; }

        public static Dictionary<string, object?> ParseDictionary(string source, string text)
        {
            var p = new PythonLiteral(source, text);
            p.SkipSpace();
            if (p.Peek() != '{') throw p.Error("the header does not start with '{'");
            var dict = (Dictionary<string, object?>)p.ParseValue(0)!;
            p.SkipSpace();
            if (p._pos != text.Length) throw p.Error("there is text after the closing '}'");
            return dict;
        }

        private object? ParseValue(int depth)
        {
            if (depth > MaxDepth) throw Error("values are nested too deeply");
            SkipSpace();
            char c = Peek();
            switch (c)
            {
                case '{':
                {
                    _pos++;
                    var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
                    while (true)
                    {
                        SkipSpace();
                        if (Peek() == '}') { _pos++; return dict; }
                        if (ParseValue(depth + 1) is not string key) throw Error("a dictionary key is not a string");
                        SkipSpace();
                        Expect(':');
                        if (!dict.TryAdd(key, ParseValue(depth + 1))) throw Error($"the key '{key}' appears twice");
                        SkipSpace();
                        if (Peek() == ',') _pos++;
                        else if (Peek() != '}') throw Error("expected ',' or '}' in the dictionary");
                    }
                }
                case '(' or '[':
                {
                    char close = c == '(' ? ')' : ']';
                    _pos++;
                    var items = new List<object?>();
                    while (true)
                    {
                        SkipSpace();
                        if (Peek() == close) { _pos++; return c == '(' ? items.ToArray() : items; }
                        items.Add(ParseValue(depth + 1));
                        SkipSpace();
                        if (Peek() == ',') _pos++;
                        else if (Peek() != close) throw Error($"expected ',' or '{close}'");
                    }
                }
                case '\'' or '"':
                    return ParseString(c);
                default:
                    if (c == '-' || char.IsAsciiDigit(c)) return ParseInteger();
                    if (char.IsAsciiLetter(c))
                    {
                        int start = _pos;
                        while (_pos < _text.Length && char.IsAsciiLetterOrDigit(_text[_pos])) _pos++;
                        return _text[start.._pos] switch
                        {
                            "True" => true,
                            "False" => false,
                            "None" => null,
                            var word => throw Error($"unexpected word '{Shorten(word)}'"),
                        };
                    }
                    throw Error(_pos >= _text.Length ? "the header ends too early" : $"unexpected character '{c}'");
            }
        }

        private string ParseString(char quote)
        {
            _pos++;
            var sb = new StringBuilder();
            while (true)
            {
                if (_pos >= _text.Length) throw Error("a string is not closed");
                char c = _text[_pos++];
                if (c == quote) return sb.ToString();
                if (c == '\\')
                {
                    if (_pos >= _text.Length) throw Error("a string is not closed");
                    c = _text[_pos++];
                }
                if (sb.Length > 256) throw Error("a string is implausibly long");
                sb.Append(c);
            }
        }

        private long ParseInteger()
        {
            int start = _pos;
            if (Peek() == '-') _pos++;
            while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
            var digits = _text.AsSpan(start, _pos - start);
            if (_pos < _text.Length && _text[_pos] is 'L' or 'l') _pos++; // Python 2 long suffix
            if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
                throw Error($"'{Shorten(digits.ToString())}' is not a valid 64-bit integer");
            return v;
        }

        private void Expect(char c)
        {
            if (Peek() != c) throw Error($"expected '{c}'");
            _pos++;
        }

        private readonly char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

        private void SkipSpace()
        {
            while (_pos < _text.Length && _text[_pos] is ' ' or '\t' or '\n' or '\r') _pos++;
        }

        private readonly DataFormatException Error(string problem) =>
            new(_source, $"the .npy header is malformed: {problem} (at character {_pos} of \"{Shorten(_text)}\").");

        private static string Shorten(string s) => s.Length <= 120 ? s : s[..120] + "...";
    }
}
