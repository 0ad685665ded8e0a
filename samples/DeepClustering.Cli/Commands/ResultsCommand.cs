using System.CommandLine;
using DeepClustering.Cli.Results;

namespace DeepClustering.Cli.Commands;

/// <summary><c>results</c>: turns the JSON lines of a reproduction run into the README's Markdown results table.</summary>
internal static class ResultsCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--in") { Description = "File of `cluster --json` lines (scripts/reproduce.sh writes results/runs.jsonl).", Required = true };
        var output = new Option<string?>("--out") { Description = "Write the Markdown table to this file as well as to stdout." };
        var cmd = new Command("results", "Aggregate reproduction runs into a Markdown table: mean ± sd over seeds, published figures beside ours.") { input, output };
        cmd.SetAction(p => CliErrors.Run(false, () =>
        {
            string path = p.GetValue(input)!;
            if (!File.Exists(path)) throw new FileNotFoundException($"--in '{path}' does not exist; run scripts/reproduce.sh first.", path);
            string table = ResultsTable.FromJsonLines(File.ReadLines(path), path);
            if (p.GetValue(output) is { } o) File.WriteAllText(o, table);
            Console.Out.Write(table);
            return 0;
        }));
        return cmd;
    }
}
