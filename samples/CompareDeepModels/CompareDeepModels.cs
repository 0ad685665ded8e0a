using System.Diagnostics;
using System.Globalization;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Metrics;
using DeepClustering.Models;
using DeepClustering.Training;

namespace DeepClustering.Samples;

/// <summary>Pretrains one autoencoder and compares the deep models on it (each with its own defaults otherwise).</summary>
public static class CompareDeepModels
{
    /// <summary>
    /// Runs the sample: <c>[dataset] [--seed S] [--pretrain-epochs N] [--epochs N] [--rows N]</c>. Without the
    /// optional flags every model keeps its defaults; <c>--rows</c> takes a seeded random subset. Returns the exit code.
    /// </summary>
    public static int Run(TextWriter output, string[] args)
    {
        OpenMpWaitPolicy.PreferPassive();
        OneDnnIsaCap.CapOnAffectedCpus();
        string name = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "mnist-test";
        int seed = Flag(args, "--seed") ?? 0;
        int? pretrainEpochs = Flag(args, "--pretrain-epochs"), epochs = Flag(args, "--epochs"), rows = Flag(args, "--rows");

        var data = EmbeddedDatasets.Load(name);
        if (rows is int n && n < data.Rows)
            {
            var random = new Random(seed);
            data = data.Select(Enumerable.Range(0, data.Rows).OrderBy(_ => random.Next()).Take(n).ToArray());
        }
        int k = data.Labels!.Distinct().Count();
        int[] truth = data.Labels!.ToArray();

        // 1. One autoencoder, pretrained with the baseline's settings (denoising, 50 epochs by default).
        var pretrain = new AutoencoderMixtureOptions { Clusters = k, Seed = seed };
        if (pretrainEpochs is int pe) pretrain = pretrain with { PretrainEpochs = pe };
        var clock = Stopwatch.StartNew();
        using var autoencoder = new AutoencoderTrainer(pretrain.ToAutoencoderTrainerOptions(data)).Fit(data);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{data.Name}: {data.Rows} x {data.Columns}, {k} classes; autoencoder pretrained in {clock.Elapsed.TotalSeconds:F0} s"));

        // 2. Every model that starts from a pretrained autoencoder, on the same one. Each fine-tunes its own copy.
        T Shared<T>(T o) where T : DeepClusteringOptions =>
            (T)(o with { Clusters = k, Seed = seed, PretrainedAutoencoder = autoencoder, Epochs = epochs ?? o.Epochs });
        var models = new (string Name, IClusteringEstimator<IClusteringModel> Estimator)[]
        {
            ("ae-gmm", new AutoencoderMixture(Shared(new AutoencoderMixtureOptions()))),
            ("clustering-module", new ClusteringModuleAutoencoder(Shared(new ClusteringModuleAutoencoderOptions()))),
            ("damic (k-means init)", new MixtureOfAutoencoders(Shared(new MixtureOfAutoencodersOptions
                { Variant = MixtureOfAutoencodersVariant.Damic, Initialization = MixtureOfAutoencodersInitialization.KMeans }))),
            ("sr-kmeans", new SoftRegularizedKMeans(Shared(new SoftRegularizedKMeansOptions()))),
            ("dpgmm (K learned)", new DeepDirichletProcessMixture(Shared(new DeepDirichletProcessMixtureOptions())
                with { Clusters = DeepDirichletProcessMixtureOptions.DefaultTruncation })),
        };

        output.WriteLine($"{"model",-22} {"clusters",8} {"ACC",6} {"NMI",6} {"ARI",6} {"seconds",8}");
        foreach (var (label, estimator) in models)
        {
            clock.Restart();
            using var model = estimator.Fit(data);
            int[] predicted = model.Predict(data);
            var r = ClusterScores.Evaluate(truth, predicted);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label,-22} {predicted.Distinct().Count(),8} {r.Accuracy,6:F3} {r.Nmi,6:F3} {r.Ari,6:F3} {clock.Elapsed.TotalSeconds,8:F0}"));
        }
        return 0;
    }

    private static int? Flag(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : null;
    }
}
