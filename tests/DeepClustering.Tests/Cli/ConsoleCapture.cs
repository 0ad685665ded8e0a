using DeepClustering.Cli;

namespace DeepClustering.Tests.Cli;

/// <summary>Console redirection is process-wide, so CLI tests run one at a time in this collection.</summary>
[CollectionDefinition("Console", DisableParallelization = true)]
public sealed class ConsoleCollection;

/// <summary>Runs the CLI in-process and captures what it writes.</summary>
internal static class ConsoleCapture
{
    public static (int ExitCode, string Out, string Error) Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o); Console.SetError(e);
        try { return (CliApp.Run(args), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }
}
