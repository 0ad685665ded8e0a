using System.Text;
using System.Text.RegularExpressions;

namespace DeepClustering.Tests.Package;

/// <summary>A fenced <c>```csharp</c> block of a Markdown file.</summary>
/// <param name="File">The Markdown file.</param>
/// <param name="Line">1-based line of the block's first code line.</param>
/// <param name="Code">The code.</param>
internal sealed record CodeSnippet(string File, int Line, string Code)
{
    /// <summary>
    /// The snippet as a C# file for a console project: its leading <c>using X;</c> directives stay at the top, the
    /// statements become the body of a method that is compiled but never called, and <c>#line</c> points compiler
    /// errors at the Markdown file.
    /// </summary>
    public string ToCompilationUnit(string className)
    {
        var lines = Code.Split('\n');
        int body = 0;
        var usings = new List<string>();
        while (body < lines.Length && (IsUsingDirective(lines[body]) || lines[body].Trim().Length == 0))
        {
            if (lines[body].Trim().Length > 0) usings.Add(lines[body].Trim());
            body++;
        }
        var sb = new StringBuilder();
        foreach (var u in usings) sb.AppendLine(u);
        sb.AppendLine("namespace DocSnippets;");
        sb.AppendLine($"internal static class {className}");
        sb.AppendLine("{");
        sb.AppendLine("    internal static void Run()");
        sb.AppendLine("    {");
        sb.AppendLine($"#line {Line + body} \"{File.Replace("\\", "\\\\")}\"");
        for (int i = body; i < lines.Length; i++) sb.AppendLine(lines[i]);
        sb.AppendLine("#line default");
        sb.AppendLine("    }");
        sb.AppendLine("}");
        return sb.ToString();
    }

    private static bool IsUsingDirective(string line)
    {
        var t = line.Trim();
        return t.StartsWith("using ", StringComparison.Ordinal) && t.EndsWith(';') && !t.Contains('(') && !t.Contains('=')
            && !t.StartsWith("using var ", StringComparison.Ordinal);
    }

    /// <summary>Every <c>```csharp</c> block of <paramref name="markdownFile"/>, in order.</summary>
    public static IReadOnlyList<CodeSnippet> Read(string markdownFile)
    {
        var result = new List<CodeSnippet>();
        var lines = System.IO.File.ReadAllLines(markdownFile);
        for (int i = 0; i < lines.Length; i++)
        {
            if (!Regex.IsMatch(lines[i], @"^\s*```csharp\s*$")) continue;
            int start = i + 1, end = start;
            while (end < lines.Length && !Regex.IsMatch(lines[end], @"^\s*```\s*$")) end++;
            result.Add(new CodeSnippet(markdownFile, start + 1, string.Join('\n', lines[start..end])));
            i = end;
        }
        return result;
    }
}
