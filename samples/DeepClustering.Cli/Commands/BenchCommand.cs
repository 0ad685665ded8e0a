using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using DeepClustering.Metrics;

namespace DeepClustering.Cli.Commands;

/// <summary><c>bench</c>: commands that print speed figures as one JSON line (speed targets live here, not in tests).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Speed benchmarks; each prints one JSON line.");
        command.Add(Hungarian());
        return command;
    }

    private static Command Hungarian()
    {
        var size = new Option<int>("--size") { Description = "Square cost matrix size.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0, Description = "Seed of the random costs." };
        var repeats = new Option<int>("--repeats") { DefaultValueFactory = _ => 5, Description = "Timed repetitions (the median is reported)." };
        var cmd = new Command("hungarian", "Time the Hungarian assignment on a random uniform cost matrix.") { size, seed, repeats };
        cmd.SetAction(p => CliErrors.Run(true, () =>
        {
            int n = p.GetValue(size), r = Math.Max(1, p.GetValue(repeats));
            if (n < 1) throw new ArgumentException("--size must be at least 1.");
            var rng = new Random(p.GetValue(seed));
            var cost = new double[n, n];
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) cost[i, j] = rng.NextDouble();
            LinearAssignment.Minimize(cost); // warm-up (JIT)
            var times = new List<double>();
            for (int k = 0; k < r; k++)
            {
                var sw = Stopwatch.StartNew();
                LinearAssignment.Minimize(cost);
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            Console.WriteLine(JsonSerializer.Serialize(new { size = n, median_ms = Math.Round(times[times.Count / 2], 2), repeats = r }));
            return 0;
        }));
        return cmd;
    }
}
