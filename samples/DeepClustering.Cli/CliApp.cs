using System.CommandLine;
using DeepClustering.Cli.Commands;

namespace DeepClustering.Cli;

/// <summary>Entry point of the CLI, callable from tests.</summary>
public static class CliApp
{
    /// <summary>Parses and runs one command line; returns the process exit code (0 ok, 1 usage error, 2 bad input).</summary>
    public static int Run(string[] args)
    {
        Core.OpenMpWaitPolicy.PreferPassive(); // before the first TorchSharp call; see its remarks
        Core.OneDnnIsaCap.CapOnAffectedCpus(); // before the first convolution; see its remarks

        var root = new RootCommand("DeepClustering: mixture and deep clustering on TorchSharp.")
        {
            ClusterCommand.Create(),
            PredictCommand.Create(),
            BenchCommand.Create(),
            ResultsCommand.Create(),
            StressCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
