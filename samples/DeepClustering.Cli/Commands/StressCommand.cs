using System.CommandLine;
using System.Text.Json;

namespace DeepClustering.Cli.Commands;

/// <summary><c>stress</c>: long reliability runs (fuzzing, memory stability, determinism); each prints one JSON line.</summary>
internal static class StressCommand
{
    public static Command Create()
    {
        var command = new Command("stress", "Reliability runs; each prints one JSON line of figures (exit code 3 when a check fails).");
        command.Add(Fuzz());
        command.Add(Memory());
        command.Add(Determinism());
        return command;
    }

    private static Command Fuzz()
    {
        var inputs = new Option<int>("--inputs") { Description = "Damaged inputs to try (60 % data files, 40 % model files).", DefaultValueFactory = _ => 10_000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the mutations.", DefaultValueFactory = _ => 1 };
        var limit = new Option<double>("--limit") { Description = "Seconds one input may take before it counts as a hang.", DefaultValueFactory = _ => 10 };
        var cmd = new Command("fuzz", "Mutated and truncated IDX/.npy/CSV (and gzip) files and model files: only DataFormatException / ModelFormatException are acceptable.") { inputs, seed, limit };
        cmd.SetAction(p => CliErrors.Run(true, () =>
        {
            if (p.GetValue(inputs) < 1) throw new ArgumentException("--inputs must be at least 1.");
            var result = Stress.FuzzStress.Run(p.GetValue(inputs), p.GetValue(seed), p.GetValue(limit));
            Console.WriteLine(JsonSerializer.Serialize(result));
            return (int)result["failures"] == 0 ? 0 : 3;
        }));
        return cmd;
    }

    private static Command Memory()
    {
        var gmm = new Option<int>("--gmm-cycles") { Description = "Fit/predict/save/load cycles of a small GaussianMixture.", DefaultValueFactory = _ => 1000 };
        var deep = new Option<int>("--deep-cycles") { Description = "Fit/predict/save/load cycles of a small AutoencoderMixture.", DefaultValueFactory = _ => 200 };
        var budget = new Option<double>("--max-growth-mb") { Description = "Allowed working-set growth after warm-up.", DefaultValueFactory = _ => 50 };
        var cmd = new Command("memory", "Repeated fit/predict/save/load cycles in one process; reports the working set after warm-up and at the end.") { gmm, deep, budget };
        cmd.SetAction(p => CliErrors.Run(true, () =>
        {
            var result = Stress.MemoryStress.Run(p.GetValue(gmm), p.GetValue(deep), p.GetValue(budget));
            Console.WriteLine(JsonSerializer.Serialize(result));
            return (bool)result["within_budget"] ? 0 : 3;
        }));
        return cmd;
    }

    private static Command Determinism()
    {
        var seed = new Option<int>("--seed") { Description = "Seed of every model.", DefaultValueFactory = _ => 3 };
        var compare = new Option<bool>("--compare") { Description = "Run this command in two child processes and compare their hashes." };
        var only = new Option<string?>("--model") { Description = "Only this catalog model (default: all)." };
        var cmd = new Command("determinism", "Fits every CLI model with tiny settings; prints hashes of the labels and of the saved parameters.") { seed, compare, only };
        cmd.SetAction(p => CliErrors.Run(true, () =>
        {
            if (p.GetValue(compare))
            {
                var result = Stress.DeterminismStress.Compare(p.GetValue(seed), p.GetValue(only));
                Console.WriteLine(JsonSerializer.Serialize(result));
                return (bool)result["identical"] ? 0 : 3;
            }
            Console.WriteLine(JsonSerializer.Serialize(Stress.DeterminismStress.Run(p.GetValue(seed), p.GetValue(only))));
            return 0;
        }));
        return cmd;
    }
}
