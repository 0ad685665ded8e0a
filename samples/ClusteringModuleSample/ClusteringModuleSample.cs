using System.Diagnostics;
using System.Globalization;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Metrics;
using DeepClustering.Mixtures;
using DeepClustering.Models;
using DeepClustering.Training;

namespace DeepClustering.Samples;

/// <summary>
/// The clustering module (shallow CM and deep AE-CM) on the embedded datasets, with the baselines on the same
/// pretrained autoencoder; prints ACC, NMI and ARI. This is the program behind the README's AE-CM figures.
/// </summary>
public static class ClusteringModuleSample
{
    /// <summary>Runs one command (see Program.cs for the usage) and writes the results to <paramref name="output"/>.</summary>
    public static int Run(TextWriter output, string[] args)
    {
        if (args.Length < 2) { output.WriteLine("usage: <pretrain|codes|aecm|baseline|cm> <dataset> [options]"); return 2; }
        var command = args[0];
        var named = Options(args.Skip(2).ToArray());
        var data = args[1] == "random" ? RandomData(9298, 10) : EmbeddedDatasets.Load(args[1]);
        int seed = Int("seed", 0);
        int k = Int("clusters", data.Labels?.Distinct().Count() ?? 10);
        var clock = Stopwatch.StartNew();
        var progress = new Progress(p =>
        {
            if (p.Phase == TrainingPhase.Training && p.Iteration % Int("report", 5) != 0 && p.Iteration != p.TotalIterations) return;
            if (p.Phase is TrainingPhase.Initialization or TrainingPhase.Pretraining && p.Iteration != p.TotalIterations && p.Iteration % Int("report", 5) != 0) return;
            var terms = p.Terms is null ? "" : string.Join(" ", p.Terms.Select(kv => $"{kv.Key}={kv.Value:G4}"));
            var sizes = p.ClusterSizes is null ? "" : $"[{string.Join(",", p.ClusterSizes)}]";
            output.WriteLine($"{clock.Elapsed.TotalSeconds,7:F1}s {p.Phase} {p.Iteration}/{p.TotalIterations} {p.Objective:G5} {sizes} {terms} {p.Message}");
        });
        output.WriteLine($"{data.Name}: {data.Rows} x {data.Columns}, torch threads {TorchSharp.torch.get_num_threads()}");

        var defaults = new ClusteringModuleAutoencoderOptions();
        var options = defaults with
        {
            Clusters = k,
            Seed = seed,
            LatentSize = named.ContainsKey("latent") ? Int("latent", 10) : null,
            HiddenSizes = named.TryGetValue("hidden", out var hidden) ? hidden.Split('-').Select(int.Parse).ToArray() : null,
            Activation = named.GetValueOrDefault("activation") switch
            {
                "relu" => DeepClustering.Networks.ActivationKind.ReLU,
                "leaky" => DeepClustering.Networks.ActivationKind.LeakyReLU,
                _ => defaults.Activation,
            },
            PretrainEpochs = Int("pretrain-epochs", defaults.PretrainEpochs),
            Epochs = Int("epochs", defaults.Epochs),
            BatchSize = Int("batch", defaults.BatchSize),
            ReconstructionWeight = Double("beta", defaults.ReconstructionWeight),
            DirichletConcentration = Double("alpha", defaults.DirichletConcentration),
            OrthonormalityWeight = Double("lambda", defaults.OrthonormalityWeight),
            LearningRate = Double("lr", defaults.LearningRate),
            ModuleWarmupEpochs = Int("warmup", defaults.ModuleWarmupEpochs),
            WhiteningRounds = Int("whiten", defaults.WhiteningRounds),
            AveragingEpoch = !named.ContainsKey("no-avg"),
            Init = named.GetValueOrDefault("init") switch { "pinv" => ClusteringModuleInit.KMeansPseudoInverse, "random" => ClusteringModuleInit.Random, _ => ClusteringModuleInit.KMeans },
            LossScale = named.GetValueOrDefault("scale") == "sum" ? ClusteringModuleLossScale.Sum : ClusteringModuleLossScale.Normalized,
        };

        switch (command)
        {
            case "pretrain":
            {
                var aeOptions = options.ToAutoencoderTrainerOptions(data);
                using var ae = new AutoencoderTrainer(aeOptions).Fit(data, progress);
                ae.Save(named["out"]);
                output.WriteLine($"saved {named["out"]}: {ae.Architecture}, final loss {ae.LossHistory[^1]:G5}, {clock.Elapsed.TotalSeconds:F1}s");
                break;
            }
            case "baseline":
            {
                using var ae = Autoencoder.Load(named["ae"]);
                var codes = Dataset.FromArray(ae.Encode(data), data.Labels);
                using (var km = new KMeans(new KMeansOptions { Clusters = k, Restarts = 20, Seed = seed }).Fit(codes))
                    Report("AE+k-means", km.Predict(codes));
                using (var gmm = new AutoencoderMixture(new AutoencoderMixtureOptions { Clusters = k, Seed = seed, PretrainedAutoencoder = ae }).Fit(data))
                    Report("ae-gmm", gmm.Predict(data));
                break;
            }
            case "codes":
            {
                // The pretrained codes and the labels as .npy files, for analysis outside the library.
                using var ae = Autoencoder.Load(named["ae"]);
                NpyWriter.Write(named["out"] + ".codes.npy", ae.Encode(data));
                NpyWriter.Write(named["out"] + ".labels.npy", data.Labels!.ToArray(), data.Labels!.Count);
                output.WriteLine($"wrote {named["out"]}.codes.npy and .labels.npy");
                break;
            }
            case "aecm":
            {
                using var ae = named.TryGetValue("ae", out var path) ? Autoencoder.Load(path) : null;
                var run = options with { PretrainedAutoencoder = ae };
                using var model = new ClusteringModuleAutoencoder(run).Fit(data, progress);
                Report("AE-CM", model.Predict(data));
                foreach (var w in model.Summary.Warnings) output.WriteLine("warning: " + w);
                var codes = Dataset.FromArray(model.Embed(data), data.Labels);
                using (var km = new KMeans(new KMeansOptions { Clusters = k, Restarts = 10, Seed = seed }).Fit(codes))
                    Report("AE-CM codes + k-means", km.Predict(codes));
                if (named.TryGetValue("save", out var savePath)) model.Save(savePath);
                break;
            }
            case "cm":
            {
                var cmOptions = new ClusteringModuleOptions { Clusters = k, Seed = seed, Epochs = Int("epochs", 150), Init = options.Init, AveragingEpoch = options.AveragingEpoch };
                using var model = new ClusteringModule(cmOptions).Fit(data, progress);
                Report("CM", model.Predict(data));
                break;
            }
            default:
                throw new ArgumentException($"unknown command {command}");
        }
        return 0;

        static Dataset RandomData(int rows, int columns)
        {
            var rng = new Random(1);
            var v = new float[rows * columns];
            for (int i = 0; i < v.Length; i++) v[i] = (float)rng.NextDouble();
            return Dataset.FromValues(v, rows, columns, Enumerable.Range(0, rows).Select(i => i % 10).ToArray(), "random");
        }

        void Report(string what, int[] labels)
        {
            var s = ClusterScores.Evaluate(data.Labels!, labels);
            output.WriteLine($"RESULT {what} {data.Name} seed {seed}: ACC {s.Accuracy:F4} NMI {s.Nmi:F4} ARI {s.Ari:F4} time {clock.Elapsed.TotalSeconds:F1}s");
        }

        int Int(string key, int fallback) => named.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        double Double(string key, double fallback) => named.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

        static Dictionary<string, string> Options(string[] a)
        {
            var d = new Dictionary<string, string>();
            for (int i = 0; i < a.Length; i++)
            {
                if (!a[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument {a[i]}");
                var key = a[i][2..];
                if (i + 1 < a.Length && !a[i + 1].StartsWith("--", StringComparison.Ordinal)) d[key] = a[++i];
                else d[key] = "";
            }
            return d;
        }

    }

    private sealed class Progress(Action<TrainingProgress> a) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress v) => a(v);
    }
}
