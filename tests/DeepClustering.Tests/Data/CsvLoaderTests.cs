using System.Globalization;
using System.Text;
using DeepClustering.Data;
using static DeepClustering.Tests.Data.DataFiles;

namespace DeepClustering.Tests.Data;

public sealed class CsvLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string Plain = "1.5,2,3\n4,5e-1,-6\n";

    [Fact]
    public void ReadsWithoutHeader()
    {
        var d = CsvLoader.Load(_dir.WriteText("plain.csv", Plain));
        Assert.Equal(2, d.Rows);
        Assert.Equal(3, d.Columns);
        Assert.Equal([1.5f, 2, 3, 4, 0.5f, -6], d.Values.ToArray());
        Assert.False(d.HasLabels);
        Assert.Equal("plain.csv", d.Name);
    }

    [Fact]
    public void DetectsHeaderAndExplicitHeaderSettings()
    {
        var path = _dir.WriteText("header.csv", "a,b,c\n" + Plain);
        var d = CsvLoader.Load(path);
        Assert.Equal(2, d.Rows);
        Assert.Equal(1.5f, d.Values.Span[0]);
        // A numeric first line is data unless the caller says it is a header.
        var numericHeader = _dir.WriteText("numeric-header.csv", "0,1,2\n" + Plain);
        Assert.Equal(3, CsvLoader.Load(numericHeader).Rows);
        Assert.Equal(2, CsvLoader.Load(numericHeader, new CsvOptions { HasHeader = true }).Rows);
        Rejects(path, () => CsvLoader.Load(path, new CsvOptions { HasHeader = false }), "line 1", "column 1", "'a' is not a number");
    }

    [Theory]
    [InlineData(0, "7,1,2\n8,3,4\n")]
    [InlineData(-1, "1,2,7\n3,4,8\n")]
    [InlineData(2, "1,2,7\n3,4,8\n")]
    [InlineData(-3, "7,1,2\n8,3,4\n")]
    public void LabelColumnFirstOrLast(int labelColumn, string text)
    {
        var d = CsvLoader.Load(_dir.WriteText("l.csv", text), new CsvOptions { LabelColumn = labelColumn });
        Assert.Equal(2, d.Columns);
        Assert.Equal([1f, 2, 3, 4], d.Values.ToArray());
        Assert.Equal([7, 8], d.Labels);
    }

    [Fact]
    public void LabelColumnByName()
    {
        var path = _dir.WriteText("named.csv", "x, Species ,y\n1,2,3\n4,5.0,6\n");
        var d = CsvLoader.Load(path, new CsvOptions { LabelColumnName = "species" });
        Assert.Equal([1f, 3, 4, 6], d.Values.ToArray());
        Assert.Equal([2, 5], d.Labels);
        Rejects(path, () => CsvLoader.Load(path, new CsvOptions { LabelColumnName = "class" }), "no column named 'class'", "'x'");
    }

    [Fact]
    public void CategoricalLabelsAreNumberedInSortedOrder()
    {
        var path = _dir.WriteText("iris.csv", "sl,sw,species\n1,2,versicolor\n3,4,setosa\n5,6,versicolor\n7,8,virginica\n");
        Rejects(path, () => CsvLoader.Load(path, new CsvOptions { LabelColumn = -1 }), "line 2", "column 3 ('species')", "'versicolor' is not an integer", "CategoricalLabels");
        var d = CsvLoader.Load(path, new CsvOptions { LabelColumn = -1, CategoricalLabels = true });
        Assert.Equal([1, 0, 1, 2], d.Labels);
        // Headerless text labels: the header detection ignores the label column.
        var noHeader = _dir.WriteText("nh.csv", "1,2,b\n3,4,a\n");
        Assert.Equal([1, 0], CsvLoader.Load(noHeader, new CsvOptions { LabelColumn = -1, CategoricalLabels = true }).Labels);
    }

    [Theory]
    [InlineData("t.tsv", "1\t2\n3\t4\n", null)]
    [InlineData("s.csv", "1;2\n3;4\n", null)]
    [InlineData("p.txt", "1|2\n3|4\n", null)]
    [InlineData("w.txt", "1 ; 2\n3 ; 4\n", ';')]
    public void DetectsOrUsesDelimiter(string name, string text, char? delimiter)
    {
        var d = CsvLoader.Load(_dir.WriteText(name, text), new CsvOptions { Delimiter = delimiter });
        Assert.Equal([1f, 2, 3, 4], d.Values.ToArray());
    }

    [Fact]
    public void DecimalCommaWithCulture()
    {
        var path = _dir.WriteText("de.csv", "1,5;2\n3;4,25\n");
        var d = CsvLoader.Load(path, new CsvOptions { Delimiter = ';', Culture = CultureInfo.GetCultureInfo("de-DE") });
        Assert.Equal([1.5f, 2, 3, 4.25f], d.Values.ToArray());
    }

    [Fact]
    public void GzipCommentsBlankLinesQuotesAndBom()
    {
        var text = "# written by np.savetxt\n\n\"1\",2\n\n3,\"4\"\n";
        var gz = _dir.Write("data.csv.gz", Gzip(Encoding.UTF8.GetBytes(text)));
        Assert.Equal([1f, 2, 3, 4], CsvLoader.Load(gz).Values.ToArray());
        var bom = _dir.Write("bom.csv", Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("a,b\n1,2\n")).ToArray());
        Assert.Equal([1f, 2], CsvLoader.Load(bom).Values.ToArray());
        var utf16 = _dir.Write("utf16.csv", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("a,b\n1,2\n")).ToArray());
        Assert.Equal([1f, 2], CsvLoader.Load(utf16).Values.ToArray());
        var crlf = _dir.WriteText("crlf.csv", "1,2\r\n3,4\r\n");
        Assert.Equal([1f, 2, 3, 4], CsvLoader.Load(crlf).Values.ToArray());
    }

    [Fact]
    public void ImageOptionSetsShape()
    {
        var path = _dir.WriteText("img.csv", "0,1,2,3,9\n4,5,6,7,8\n");
        var d = CsvLoader.Load(path, new CsvOptions { LabelColumn = -1, Image = new ImageShape(1, 2, 2) });
        Assert.Equal(new ImageShape(1, 2, 2), d.Image);
        Rejects(path, () => CsvLoader.Load(path, new CsvOptions { Image = new ImageShape(1, 2, 2) }), "5 features");
    }

    [Fact]
    public void LoadsLabelFiles()
    {
        Assert.Equal([3, 1, 2], CsvLoader.LoadLabels(_dir.WriteText("y.csv", "label\n3\n1\n2\n")));
        Assert.Equal([3, 1, 2], CsvLoader.LoadLabels(_dir.WriteText("y2.csv", "3\n1\n2.0\n")));
        Assert.Equal([1, 0], CsvLoader.LoadLabels(_dir.WriteText("y3.csv", "b\na\n"), new CsvOptions { CategoricalLabels = true }));
        var wide = _dir.WriteText("wide.csv", "1,2\n3,4\n");
        Rejects(wide, () => CsvLoader.LoadLabels(wide), "one column");
        Assert.Equal([2, 4], CsvLoader.LoadLabels(wide, new CsvOptions { LabelColumn = 1 }));
    }

    // ---- bad files: each message names the file, the line, the column and the problem ----

    [Fact]
    public void NonNumericCellNamesLineAndColumn()
    {
        var path = _dir.WriteText("bad.csv", "x,y\n1,2\n3,abc\n");
        Rejects(path, () => CsvLoader.Load(path), "line 3", "column 2 ('y')", "'abc' is not a number");
    }

    [Fact]
    public void EmptyCellIsMissingValue()
    {
        var path = _dir.WriteText("missing.csv", "1,2\n3,\n");
        Rejects(path, () => CsvLoader.Load(path), "line 2", "column 2", "missing");
    }

    [Fact]
    public void RaggedRowsAreRejected()
    {
        var path = _dir.WriteText("ragged.csv", "1,2,3\n4,5\n");
        Rejects(path, () => CsvLoader.Load(path), "line 2 has 2 fields", "first row has 3", "ragged");
        var header = _dir.WriteText("ragged-header.csv", "a,b\n1,2,3\n");
        Rejects(header, () => CsvLoader.Load(header), "line 2 has 3 fields", "header (line 1) has 2");
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("inf")]
    [InlineData("-Infinity")]
    [InlineData("1e39")]
    public void NonFiniteValuesNameTheRow(string value)
    {
        var path = _dir.WriteText("nan.csv", $"1,2\n3,4\n5,{value}\n");
        Rejects(path, () => CsvLoader.Load(path), "line 3", "column 2", "NaN or infinite");
    }

    [Fact]
    public void NonIntegerLabelsAreRejected()
    {
        var path = _dir.WriteText("frac.csv", "1,0\n2,1.5\n");
        Rejects(path, () => CsvLoader.Load(path, new CsvOptions { LabelColumn = -1 }), "line 2", "'1.5' is not an integer");
        var huge = _dir.WriteText("huge-label.csv", "1,3000000000\n");
        Rejects(huge, () => CsvLoader.Load(huge, new CsvOptions { LabelColumn = -1 }), "not an integer");
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \n")]
    [InlineData("# only a comment\n")]
    public void EmptyFilesAreRejected(string text)
    {
        var path = _dir.WriteText("empty.csv", text);
        Rejects(path, () => CsvLoader.Load(path));
    }

    [Fact]
    public void HeaderOnlyOrLabelOnlyFilesAreRejected()
    {
        var header = _dir.WriteText("header-only.csv", "a,b,c\n");
        Rejects(header, () => CsvLoader.Load(header), "header", "no data rows");
        var labelOnly = _dir.WriteText("label-only.csv", "1\n2\n");
        Rejects(labelOnly, () => CsvLoader.Load(labelOnly, new CsvOptions { LabelColumn = 0 }), "no feature columns");
    }

    [Fact]
    public void BadQuotesAndBinaryContentAreRejected()
    {
        var quote = _dir.WriteText("quote.csv", "1,2\n\"3,4\n5,6\n");
        Rejects(quote, () => CsvLoader.Load(quote), "line 2");
        var binary = _dir.Write("binary.csv", [1, 2, 0, 0, 5, 6, 7]);
        Rejects(binary, () => CsvLoader.Load(binary), "binary");
    }

    [Fact]
    public void OptionsAreValidated()
    {
        var path = _dir.WriteText("o.csv", Plain);
        Assert.Throws<ArgumentException>(() => CsvLoader.Load(path, new CsvOptions { LabelColumn = 0, LabelColumnName = "a" }));
        Assert.Throws<ArgumentException>(() => CsvLoader.Load(path, new CsvOptions { LabelColumnName = "a", HasHeader = false }));
        Assert.Throws<ArgumentOutOfRangeException>(() => CsvLoader.Load(path, new CsvOptions { Delimiter = '"' }));
        Rejects(path, () => CsvLoader.Load(path, new CsvOptions { LabelColumn = 3 }), "LabelColumn is 3", "3 columns");
        Rejects(path, () => CsvLoader.Load(path, new CsvOptions { LabelColumnName = "a" }), "no column named 'a'");
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        var path = _dir.File("missing.csv");
        var e = Assert.Throws<FileNotFoundException>(() => CsvLoader.Load(path));
        Assert.Equal(path, e.FileName);
    }
}
