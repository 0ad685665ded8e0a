using DeepClustering.Core;
using DeepClustering.Mixtures;
using DeepClustering.Models;
using DeepClustering.Tests.Training;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Models;

public class DeepDirichletProcessMixtureTests
{
    private static DeepDirichletProcessMixtureOptions Tiny() => new()
    {
        Clusters = 6, Seed = 1, HiddenSizes = new[] { 16 }, LatentSize = 2, PretrainEpochs = 20, Epochs = 3, BatchSize = 32,
        LearningRate = 1e-3, InitialMixtureIterations = 60, MixtureIterations = 5,
    };

    [Fact]
    public void LearnsTheNumberOfBlobsAndReportsItInProgressAndModel()
    {
        var data = DeepTestData.Blobs(rows: 150, features: 8, clusters: 3, seed: 5);
        var reports = new List<TrainingProgress>();
        using var model = new DeepDirichletProcessMixture(Tiny()).Fit(data, new SynchronousProgress(reports.Add));

        Assert.Equal(6, model.Clusters);
        Assert.Equal(3, model.EffectiveClusters);
        Assert.Equal(DirichletProcessOutcome.Pruned, model.Outcome);
        var training = reports.Where(r => r.Phase == TrainingPhase.Training).ToList();
        Assert.Equal(3, training.Count);
        Assert.All(training, r => Assert.InRange(r.EffectiveClusters ?? -1, 1, 6));
        Assert.Equal(model.EffectiveClusters, reports.Single(r => r.Phase == TrainingPhase.Finalizing).EffectiveClusters);
        Assert.All(training, r => Assert.Contains(DeepDirichletProcessMixture.ClusteringTerm, r.Terms!.Keys));
        // One entry after the initial fit and one per epoch; the last is the model's.
        Assert.Equal(4, model.EffectiveClustersHistory.Count);
        Assert.Equal(model.EffectiveClusters, model.EffectiveClustersHistory[^1]);

        var labels = model.Predict(data);
        Assert.All(labels, l => Assert.Contains(l, model.ActiveComponents));
        Assert.Equal(1.0, DeepClustering.Metrics.ClusterScores.Accuracy(data.Labels!, labels), 2);
        var p = model.PredictProbabilities(data);
        var pruned = Enumerable.Range(0, 6).Except(model.ActiveComponents).ToArray();
        for (int i = 0; i < data.Rows; i += 17)
        {
            Assert.Equal(1.0, Enumerable.Range(0, 6).Sum(k => (double)p[i, k]), 4);
            Assert.All(pruned, k => Assert.Equal(0f, p[i, k]));
        }
        var w = model.Weights;
        Assert.Equal(1.0, model.ActiveComponents.Sum(k => w[k]), 3);
        Assert.All(pruned, k => Assert.Equal(0.0, w[k]));
    }

    [Fact]
    public void SameSeedSameModelAndSaveLoadRoundTrip()
    {
        var data = DeepTestData.Blobs(rows: 90, features: 8, clusters: 3, seed: 9);
        var options = Tiny() with { Epochs = 1, PretrainEpochs = 10 };
        using var a = new DeepDirichletProcessMixture(options).Fit(data);
        using var b = new DeepDirichletProcessMixture(options).Fit(data);
        Assert.Equal(a.Predict(data), b.Predict(data));
        Assert.True(DeepTestData.Same(a.PredictProbabilities(data), b.PredictProbabilities(data)));

        using var stream = new MemoryStream();
        a.Save(stream);
        stream.Position = 0;
        using var loaded = DeepDirichletProcessMixtureModel.Load(stream);
        Assert.Equal(a.Predict(data), loaded.Predict(data));
        Assert.True(DeepTestData.Same(a.PredictProbabilities(data), loaded.PredictProbabilities(data)));
        Assert.Equal(a.EffectiveClusters, loaded.EffectiveClusters);
        Assert.Equal(a.ActiveComponents, loaded.ActiveComponents);
        Assert.Equal(a.EffectiveClustersHistory, loaded.EffectiveClustersHistory);
        Assert.Equal(a.Options.EffectiveSampleSize, loaded.Options.EffectiveSampleSize);
        Assert.True(DeepTestData.Same(a.ComponentCovariance(a.ActiveComponents[0]), loaded.ComponentCovariance(a.ActiveComponents[0])));
        stream.Position = 0;
        Assert.Throws<ModelFormatException>(() => DirichletProcessGaussianMixtureModel.Load(stream));
    }

    [Fact]
    public void CollapseAndNoPruningAreReportedWithGuidance()
    {
        var data = DeepTestData.Blobs(rows: 90, features: 8, clusters: 3, seed: 2);
        // Too weak: two slots for three blobs, nothing can be pruned.
        using (var weak = new DeepDirichletProcessMixture(Tiny() with { Clusters = 2, Epochs = 1 }).Fit(data))
        {
            Assert.Equal(DirichletProcessOutcome.NotPruned, weak.Outcome);
            var w = Assert.Single(weak.Summary.Warnings, s => s.StartsWith("No pruning", StringComparison.Ordinal));
            Assert.Contains("WeightConcentrationPrior", w);
        }
        // Too strong: a tiny concentration with the data coarsened to one row puts every row on the first stick.
        using var strong = new DeepDirichletProcessMixture(Tiny() with { EffectiveSampleSize = 1, WeightConcentrationPrior = 1e-4, Epochs = 1 }).Fit(data);
        Assert.Equal(1, strong.EffectiveClusters);
        Assert.Equal(DirichletProcessOutcome.CollapsedToOne, strong.Outcome);
        Assert.Contains(strong.Summary.Warnings, s => s.StartsWith("Collapse", StringComparison.Ordinal) && s.Contains("WeightConcentrationPrior"));
        Assert.All(strong.Predict(data), l => Assert.Equal(strong.ActiveComponents[0], l));
    }

    [Fact]
    public void OptionsAreValidatedAndTheTruncationIsTheDefaultClusterCount()
    {
        Assert.Equal(DeepDirichletProcessMixtureOptions.DefaultTruncation, new DeepDirichletProcessMixtureOptions().Clusters);
        var data = DeepTestData.Blobs(rows: 60, features: 8);
        void Throws(DeepDirichletProcessMixtureOptions o, string name)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DeepDirichletProcessMixture(o).Fit(data));
            Assert.Equal(name, e.ParamName);
        }
        Throws(Tiny() with { JensenShannonAlpha = 1 }, "JensenShannonAlpha");
        Throws(Tiny() with { ClusteringWeight = -1 }, "ClusteringWeight");
        Throws(Tiny() with { CodeSpread = 0 }, "CodeSpread");
        Throws(Tiny() with { PruneThreshold = 0 }, "PruneThreshold");
        Throws(Tiny() with { EffectiveSampleSize = 0 }, "EffectiveSampleSize");
        Throws(Tiny() with { WeightConcentrationPrior = -1 }, "WeightConcentrationPrior");
        Throws(Tiny() with { Clusters = 1 }, "Clusters");
        Throws(Tiny() with { MixtureIterations = 0 }, "MixtureIterations");
    }

    [Fact]
    public void CancellationDuringTrainingThrows()
    {
        var data = DeepTestData.Blobs(rows: 90, features: 8);
        using var cts = new CancellationTokenSource();
        var progress = new SynchronousProgress(p => { if (p.Phase == TrainingPhase.Training) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => new DeepDirichletProcessMixture(Tiny() with { PretrainEpochs = 2 }).Fit(data, progress, cts.Token));
    }

    // ------------------------------------------------------------------ the α-Jensen–Shannon divergence

    [Theory]
    [InlineData(0.5, JensenShannonSkew.Deasy)]
    [InlineData(0.3, JensenShannonSkew.Deasy)]
    [InlineData(0.3, JensenShannonSkew.Nielsen)]
    public void ClosedFormMatchesNumericalIntegration(double alpha, JensenShannonSkew skew)
    {
        // One dimension: P = N(0.3, 0.5²), Q = N(−1, 1.2²); M ∝ P^β Q^(1−β) normalised numerically.
        double mp = 0.3, sp = 0.5, mq = -1, sq = 1.2, beta = skew == JensenShannonSkew.Deasy ? alpha : 1 - alpha;
        static double Pdf(double x, double m, double s) => Math.Exp(-0.5 * (x - m) * (x - m) / (s * s)) / (s * Math.Sqrt(2 * Math.PI));
        double lo = -12, hi = 12, h = 1e-3;
        int n = (int)((hi - lo) / h);
        double z = 0;
        for (int i = 0; i <= n; i++) { double x = lo + i * h; z += Math.Pow(Pdf(x, mp, sp), beta) * Math.Pow(Pdf(x, mq, sq), 1 - beta) * h; }
        double klP = 0, klQ = 0;
        for (int i = 0; i <= n; i++)
        {
            double x = lo + i * h, p = Pdf(x, mp, sp), q = Pdf(x, mq, sq);
            double m = Math.Pow(p, beta) * Math.Pow(q, 1 - beta) / z;
            if (p > 1e-300) klP += p * Math.Log(p / m) * h;
            if (q > 1e-300) klQ += q * Math.Log(q / m) * h;
        }
        double expected = (1 - alpha) * klP + alpha * klQ;
        using var js = DeepDirichletProcessDivergence.AlphaJensenShannon(tensor(new[] { mp }, ScalarType.Float64), tensor(new[] { sp * sp }, ScalarType.Float64),
            tensor(new[] { mq }, ScalarType.Float64), tensor(new[] { sq * sq }, ScalarType.Float64), alpha, skew);
        Assert.Equal(expected, js.item<double>(), 4);
    }

    [Fact]
    public void DivergenceIsZeroForEqualGaussiansSymmetricAtOneHalfAndFullMatchesDiagonal()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(3);
        var mu = randn(new long[] { 5, 4 }, ScalarType.Float64, generator: g);
        var v = rand(new long[] { 5, 4 }, ScalarType.Float64, generator: g) + 0.2;
        var mu2 = randn(new long[] { 5, 4 }, ScalarType.Float64, generator: g);
        var v2 = rand(new long[] { 5, 4 }, ScalarType.Float64, generator: g) + 0.2;
        Assert.True(DeepDirichletProcessDivergence.AlphaJensenShannon(mu, v, mu, v, 0.3).abs().max().item<double>() < 1e-12);
        var ab = DeepDirichletProcessDivergence.AlphaJensenShannon(mu, v, mu2, v2, 0.5);
        var ba = DeepDirichletProcessDivergence.AlphaJensenShannon(mu2, v2, mu, v, 0.5);
        Assert.True((ab - ba).abs().max().item<double>() < 1e-12);
        Assert.True(ab.min().item<double>() > 0);

        // Full-covariance form with diagonal matrices: codes (B = 5) against components (T = 3).
        var codes = randn(new long[] { 5, 4 }, ScalarType.Float64, generator: g);
        var codeVar = rand(new long[] { 4 }, ScalarType.Float64, generator: g) + 0.5;
        var means = randn(new long[] { 3, 4 }, ScalarType.Float64, generator: g);
        var vars = rand(new long[] { 3, 4 }, ScalarType.Float64, generator: g) + 0.3;
        foreach (var skew in new[] { JensenShannonSkew.Deasy, JensenShannonSkew.Nielsen })
        {
            var diag = DeepDirichletProcessDivergence.AlphaJensenShannon(codes.unsqueeze(1), codeVar.view(1, 1, 4), means.unsqueeze(0), vars.unsqueeze(0), 0.3, skew);
            var full = DeepDirichletProcessDivergence.AlphaJensenShannonFullCovariance(codes, diag_embed(codeVar), means, diag_embed(vars), 0.3, skew);
            Assert.True((diag - full).abs().max().item<double>() < 1e-10);
        }
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
