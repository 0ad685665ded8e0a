using System.Diagnostics;
using System.Globalization;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Metrics;
using DeepClustering.Mixtures;
using DeepClustering.Models;

namespace ChoosingK;

/// <summary>Choosing the number of clusters two ways: a BIC sweep and the Dirichlet-process mixture's effective K.</summary>
public static class ChoosingKSample
{
    /// <summary>Runs the sample with the command-line arguments described in Program.cs; returns the exit code.</summary>
    public static int Run(TextWriter output, string[] args)
    {
        OpenMpWaitPolicy.PreferPassive();   // before libtorch loads: idle OpenMP threads sleep instead of spinning
        OneDnnIsaCap.CapOnAffectedCpus();   // before the first convolution: oneDNN's AVX-512 kernels return NaN on some AMD CPUs
        var mode = args.Length > 0 ? args[0].ToLowerInvariant() : "synthetic";
        if (mode == "sweep")
        {
            int seeds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
            return Sweep(output, seeds);
        }
        if (mode == "deep")
        {
            var name = args.Length > 1 ? args[1] : "mnist-test";
            int seed = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 0;
            if (args.Length > 3) TorchSharp.torch.set_num_threads(int.Parse(args[3], CultureInfo.InvariantCulture));
            return Deep(output, EmbeddedDatasets.Load(name), seed);
        }

        Dataset data = mode == "synthetic"
            ? SyntheticMixture.Create(clusters: 5, seed: 0)
            : Scaler.Fit(EmbeddedDatasets.Load(mode), ScalerKind.Standardize).Transform(EmbeddedDatasets.Load(mode));
        int trueK = data.Labels?.Distinct().Count() ?? 0;
        output.WriteLine($"Data: {data.Name}, {data.Rows} rows x {data.Columns} features{(trueK > 0 ? $", {trueK} true classes" : "")}");
        var covariance = data.Columns > 8 ? CovarianceType.Diagonal : CovarianceType.Full;

        // 1. BIC sweep with GaussianMixture.
        output.WriteLine($"\n1. BIC sweep, GaussianMixture ({covariance} covariance, 3 restarts per K)");
        output.WriteLine("    K          BIC");
        int maxK = Math.Max(10, 2 * trueK);
        var bics = new double[maxK + 1];
        var watch = Stopwatch.StartNew();
        for (int k = 1; k <= maxK; k++)
        {
            var gmm = new GaussianMixture(new GaussianMixtureOptions { Components = k, Covariance = covariance, Restarts = 3, Seed = 0 });
            using var model = gmm.Fit(data);
            bics[k] = model.BayesianInformationCriterion(data);
            output.WriteLine($"  {k,3} {bics[k],12:F1}");
        }
        int bicK = Enumerable.Range(1, maxK).MinBy(k => bics[k]);
        output.WriteLine($"  -> lowest BIC at K = {bicK} ({maxK} fits, {watch.Elapsed.TotalSeconds:F1} s)");

        // 2. One Dirichlet-process mixture with truncation 20.
        output.WriteLine($"\n2. DirichletProcessGaussianMixture ({covariance} covariance, truncation 20, default priors)");
        watch.Restart();
        var dp = new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions
        {
            Components = 20, Covariance = covariance, MaxIterations = 500, Seed = 0,
        });
        var (dpModel, labels) = dp.FitPredict(data);
        using (dpModel)
        {
            var w = dpModel.Weights;
            output.WriteLine("  component weights above 0.001: " + string.Join(", ",
                Enumerable.Range(0, w.Length).Where(k => w[k] > 1e-3).OrderByDescending(k => w[k]).Select(k => $"{w[k]:F3}")));
            output.WriteLine($"  -> effective K = {dpModel.EffectiveClusters} (weight > {dpModel.Options.EffectiveWeightThreshold}), " +
                $"{dpModel.Summary.Iterations} iterations, converged: {dpModel.Summary.Converged}, {watch.Elapsed.TotalSeconds:F1} s");
            foreach (var warning in dpModel.Summary.Warnings) output.WriteLine("  warning: " + warning);
            if (data.Labels is { } truth)
                output.WriteLine($"  agreement with the true classes: ACC {ClusterScores.Accuracy(truth, labels):F3}, ARI {ClusterScores.AdjustedRandIndex(truth, labels):F3}");
        }
        output.WriteLine($"\nSummary: BIC chose K = {bicK}; the DP mixture found K = {dpModel.EffectiveClusters}{(trueK > 0 ? $"; truth K = {trueK}" : "")}.");
        return 0;
    }

    // The deep DP mixture with its default options: only the seed is set; K is learned (truncation level 30).
    private static int Deep(TextWriter output, Dataset data, int seed)
    {
        var options = new DeepDirichletProcessMixtureOptions { Seed = seed };
        output.WriteLine($"DeepDirichletProcessMixture on {data.Name} ({data.Rows} rows), seed {seed}: truncation {options.Clusters}, " +
            $"{options.PretrainEpochs} pretraining + {options.Epochs} joint epochs, effective sample size {options.EffectiveSampleSize}");
        var watch = Stopwatch.StartNew();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Phase == TrainingPhase.Pretraining && p.Iteration % 10 != 0) return;
            output.WriteLine($"  {p.Phase,-12} {p.Iteration,3}/{p.TotalIterations}  loss {p.Objective:G4}" +
                (p.EffectiveClusters is int k ? $"  effective K {k}" : "") + $"  {watch.Elapsed.TotalSeconds:F0} s");
        });
        using var model = new DeepDirichletProcessMixture(options).Fit(data, progress);
        var labels = model.Predict(data);
        output.Write($"effective K {model.EffectiveClusters} (history {string.Join(",", model.EffectiveClustersHistory)})");
        if (data.Labels is { } truth)
            output.Write($", ACC {ClusterScores.Accuracy(truth, labels):F4}, NMI {ClusterScores.NormalizedMutualInformation(truth, labels):F4}, ARI {ClusterScores.AdjustedRandIndex(truth, labels):F4}");
        output.WriteLine($", {watch.Elapsed.TotalSeconds:F0} s");
        foreach (var warning in model.Summary.Warnings) output.WriteLine("warning: " + warning);
        return 0;
    }

    // Effective K of the DP mixture (truncation 20, default options) on synthetic mixtures with 3, 5 and 8 components.
    private static int Sweep(TextWriter output, int seeds)
    {
        output.WriteLine($"Effective K of DirichletProcessGaussianMixture (truncation 20, full covariance, default priors) over {seeds} seeds");
        output.WriteLine("  true K  hits  effective K per seed");
        bool allPass = true;
        foreach (int k in new[] { 3, 5, 8 })
        {
            var found = new List<int>();
            for (int seed = 0; seed < seeds; seed++)
            {
                var data = SyntheticMixture.Create(k, seed);
                using var model = new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions
                {
                    Components = 20, MaxIterations = 500, Seed = seed,
                }).Fit(data);
                found.Add(model.EffectiveClusters);
            }
            int hits = found.Count(f => f == k);
            allPass &= hits >= Math.Ceiling(0.9 * seeds);
            output.WriteLine($"  {k,6}  {hits,2}/{seeds}  {string.Join(" ", found)}");
        }
        output.WriteLine(allPass ? "PASS: effective K = true K in at least 90 % of the seeds for every K." : "FAIL: below 90 % for some K.");
        return allPass ? 0 : 1;
    }
}

/// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
internal sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}
