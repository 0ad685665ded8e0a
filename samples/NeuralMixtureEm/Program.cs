// NeuralMixtureEM on an embedded dataset: quality over seeds and the objective ablation (EM, consistency, both).
//
//   dotnet run -c Release --project samples/NeuralMixtureEm -- mnist-test                 defaults, seeds 0,1,2
//   dotnet run -c Release --project samples/NeuralMixtureEm -- usps --seeds 0,1,2
//   dotnet run -c Release --project samples/NeuralMixtureEm -- mnist-test --ablation      EM alone, consistency alone, both
//
// Options (all optional): --seeds 0,1,2  --epochs N  --network conv|mlp  --em W  --consistency W  --balance W
//   --augment true|false  --estep T  --learn-mixing true|false  --mixing-floor F  --normalization data|sphere  --temperature T  --batch B  --lr R  --latent H
//   --hidden 32,64,128  --restarts R  --threads N (default 2)  --rows N (first N rows only)  --verbose (per-epoch lines)
using System.Diagnostics;
using System.Globalization;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Metrics;
using DeepClustering.Models;
using DeepClustering.Networks;
using static TorchSharp.torch;

var inv = CultureInfo.InvariantCulture;
if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
{
    Console.Error.WriteLine($"usage: <dataset> [options]; datasets: {string.Join(", ", EmbeddedDatasets.Names)}");
    return 2;
}
var flags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
for (int i = 1; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal)) { Console.Error.WriteLine($"unexpected argument '{args[i]}'"); return 2; }
    bool hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
    flags[args[i][2..]] = hasValue ? args[++i] : "true";
}
string Flag(string name, string fallback) => flags.TryGetValue(name, out var v) ? v : fallback;

OneDnnIsaCap.CapOnAffectedCpus(); // before the first convolution: oneDNN's AVX-512 kernels return NaN on some AMD CPUs
set_num_threads(int.Parse(Flag("threads", "2"), inv));
var data = EmbeddedDatasets.Load(args[0]);
if (flags.TryGetValue("rows", out var rowsText)) data = data.Slice(0, int.Parse(rowsText, inv));
int clusters = data.Labels!.Distinct().Count();
var seeds = Flag("seeds", "0,1,2").Split(',').Select(s => int.Parse(s, inv)).ToArray();

var options = new NeuralMixtureEmOptions { Clusters = clusters };
// The default backbone (NetworkKind.Auto) is the small convolutional network for images of 16x16 and larger, the MLP
// otherwise; --network conv|mlp overrides it.
if (flags.TryGetValue("network", out var net)) options = options with { Network = net.StartsWith("c", StringComparison.OrdinalIgnoreCase) ? NetworkKind.Convolutional : NetworkKind.Mlp };
if (flags.TryGetValue("epochs", out var e)) options = options with { Epochs = int.Parse(e, inv) };
if (flags.TryGetValue("restarts", out var r)) options = options with { Restarts = int.Parse(r, inv) };
if (flags.TryGetValue("em", out var em)) options = options with { EmWeight = double.Parse(em, inv) };
if (flags.TryGetValue("consistency", out var c)) options = options with { ConsistencyWeight = double.Parse(c, inv) };
if (flags.TryGetValue("balance", out var b)) options = options with { BalanceWeight = double.Parse(b, inv) };
if (flags.TryGetValue("augment", out var a)) options = options with { Augment = bool.Parse(a) };
if (flags.TryGetValue("normalization", out var d)) options = options with { Normalization = Enum.Parse<DensityNormalization>(d, ignoreCase: true) };
if (flags.TryGetValue("estep", out var et)) options = options with { EStepTemperature = double.Parse(et, inv) };
if (flags.TryGetValue("learn-mixing", out var lm)) options = options with { LearnMixingWeights = bool.Parse(lm) };
if (flags.TryGetValue("mixing-floor", out var mf)) options = options with { MixingFloor = double.Parse(mf, inv) };
if (flags.TryGetValue("temperature", out var t)) options = options with { Temperature = double.Parse(t, inv) };
if (flags.TryGetValue("batch", out var bs)) options = options with { BatchSize = int.Parse(bs, inv) };
if (flags.TryGetValue("lr", out var lr)) options = options with { LearningRate = double.Parse(lr, inv) };
if (flags.TryGetValue("latent", out var h)) options = options with { LatentSize = int.Parse(h, inv) };
if (flags.TryGetValue("hidden", out var hs)) options = options with { HiddenSizes = hs.Split(',').Select(s => int.Parse(s, inv)).ToArray() };
bool verbose = flags.ContainsKey("verbose");

var variants = new List<(string Name, NeuralMixtureEmOptions Options)>();
if (flags.ContainsKey("ablation"))
{
    variants.Add(("EM alone, no augmentation", options with { ConsistencyWeight = 0, Augment = false }));
    variants.Add(("EM alone, M-step on augmented views", options with { ConsistencyWeight = 0 }));
    variants.Add(("consistency alone", options with { EmWeight = 0 }));
    variants.Add(("EM + consistency", options));
}
else variants.Add(("NeuralMixtureEM", options));

Console.WriteLine($"{data.Name}: {data.Rows} x {data.Columns}, K = {clusters}, network {options.Network}, {options.Epochs} epochs, {options.Restarts} restart(s), batch {options.BatchSize}, threads {get_num_threads()}");
foreach (var (name, variant) in variants)
{
    var accs = new List<double>();
    var nmis = new List<double>();
    var times = new List<double>();
    var cpus = new List<double>();
    foreach (var seed in seeds)
    {
        var clock = Stopwatch.StartNew();
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var last = clock.Elapsed;
        var progress = new Inline(p =>
        {
            if (!verbose || p.Phase != TrainingPhase.Training) return;
            var now = clock.Elapsed;
            var terms = p.Terms is null ? "" : string.Join(" ", p.Terms.Select(kv => $"{kv.Key} {kv.Value:F4}"));
            Console.WriteLine($"  restart {p.Restart} epoch {p.Iteration,3}/{p.TotalIterations} {(now - last).TotalSeconds,6:F1} s {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,7:F1} cpu  loss {p.Objective:F4}  {terms}  sizes [{string.Join(" ", p.ClusterSizes ?? [])}]");
            last = now;
        });
        using var model = new NeuralMixtureEm(variant with { Seed = seed }).Fit(data, progress);
        double seconds = clock.Elapsed.TotalSeconds;
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
        var labels = model.Predict(data);
        double acc = ClusterScores.Accuracy(data.Labels!, labels);
        double nmi = ClusterScores.NormalizedMutualInformation(data.Labels!, labels);
        accs.Add(acc); nmis.Add(nmi); times.Add(seconds); cpus.Add(cpu);
        Console.WriteLine($"  {name}, seed {seed}: {model.Architecture.Kind} backbone, restart {model.Summary.BestRestart} kept: ACC {acc:F4}  NMI {nmi:F4}  {seconds:F0} s wall, {cpu:F0} s CPU{(model.Summary.Warnings.Count > 0 ? "  warnings: " + string.Join("; ", model.Summary.Warnings) : "")}");
    }
    Console.WriteLine($"{name}: ACC {Mean(accs):F4} ± {Std(accs):F4}  NMI {Mean(nmis):F4} ± {Std(nmis):F4}  time {Mean(times):F0} s wall, {Mean(cpus):F0} s CPU per fit ({seeds.Length} seeds)");
}
return 0;

static double Mean(List<double> v) => v.Average();
static double Std(List<double> v) => v.Count < 2 ? 0 : Math.Sqrt(v.Sum(x => (x - v.Average()) * (x - v.Average())) / (v.Count - 1));

sealed class Inline(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}
