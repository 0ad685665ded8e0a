using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Mixtures;
using DeepClustering.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Mixtures;

public class DirichletProcessGaussianMixtureTests
{
    /// <summary>
    /// Effective K = true K on synthetic mixtures with 3, 5 and 8 components and truncation 20 (three seeds each
    /// here; the ten-seed sweep is <c>dotnet run --project samples/ChoosingK -- sweep 10</c>).
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    public void EffectiveClustersEqualsTheTrueNumberOfComponents(int trueK)
    {
        int hits = 0;
        for (int seed = 0; seed < 3; seed++)
        {
            var data = DirichletProcessTestData.Mixture(trueK, seed);
            using var model = new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions { Components = 20, MaxIterations = 500, Seed = seed }).Fit(data);
            if (model.EffectiveClusters == trueK) hits++;
            Assert.Equal(DirichletProcessOutcome.Pruned, model.Outcome);
            Assert.Equal(1.0, model.Weights.Sum(), 9);
            Assert.Equal(model.EffectiveClusters, model.Weights.Count(w => w > 0.01));
        }
        Assert.True(hits >= 3, $"effective K matched {trueK} in {hits} of 3 seeds");
    }

    [Fact]
    public void RecoversTheComponentsAndPredictsTheActiveOnes()
    {
        var data = DirichletProcessTestData.Mixture(3, 11);
        var (model, labels) = new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions { Seed = 2, MaxIterations = 300 }).FitPredict(data);
        using (model)
        {
            Assert.Equal(20, model.Clusters);
            Assert.Equal(3, model.EffectiveClusters);
            Assert.Equal(labels, model.Predict(data));
            Assert.All(labels, l => Assert.Contains(l, model.ActiveComponents));
            Assert.Equal(1.0, DeepClustering.Metrics.ClusterScores.Accuracy(data.Labels!, labels), 2);
            var p = model.PredictProbabilities(data);
            for (int i = 0; i < data.Rows; i += 37)
                Assert.Equal(1.0, Enumerable.Range(0, 20).Sum(k => (double)p[i, k]), 4);
            // Active components are sorted by weight; the pruned ones carry almost nothing.
            var w = model.Weights;
            Assert.True(model.ActiveComponents.Zip(model.ActiveComponents.Skip(1)).All(t => w[t.First] >= w[t.Second]));
            Assert.True(Enumerable.Range(0, 20).Except(model.ActiveComponents).All(k => w[k] < 0.01));
        }
    }

    [Theory]
    [InlineData(CovarianceType.Full)]
    [InlineData(CovarianceType.Diagonal)]
    [InlineData(CovarianceType.Spherical)]
    [InlineData(CovarianceType.Tied)]
    public void LowerBoundNeverDecreasesAndEveryCovarianceTypeFindsTheClusters(CovarianceType type)
    {
        var data = MixtureTestData.ThreeBlobs(perCluster: 60, seed: 4);
        using var model = new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions
        {
            Components = 10, Covariance = type, Seed = 1, MaxIterations = 200, Precision = FloatPrecision.Float64,
        }).Fit(data);
        var h = model.Summary.ObjectiveHistory;
        for (int i = 1; i < h.Count; i++) Assert.True(h[i] >= h[i - 1] - 1e-7 * Math.Abs(h[i]), $"lower bound fell at iteration {i + 1}: {h[i - 1]} -> {h[i]}");
        Assert.Equal(model.LowerBound, h[^1]);
        Assert.Equal(3, model.EffectiveClusters);
    }

    [Fact]
    public void SameSeedGivesTheSameModelAndFloat32AgreesWithFloat64()
    {
        var data = DirichletProcessTestData.Mixture(5, 3);
        var options = new DirichletProcessGaussianMixtureOptions { Seed = 7, MaxIterations = 300 };
        using var a = new DirichletProcessGaussianMixture(options).Fit(data);
        using var b = new DirichletProcessGaussianMixture(options).Fit(data);
        Assert.Equal(a.Summary.ObjectiveHistory, b.Summary.ObjectiveHistory);
        Assert.Equal(a.Predict(data), b.Predict(data));
        using var c = new DirichletProcessGaussianMixture(options with { Precision = FloatPrecision.Float64 }).Fit(data);
        Assert.Equal(c.EffectiveClusters, a.EffectiveClusters);
        Assert.Equal(c.LowerBound, a.LowerBound, Math.Abs(c.LowerBound) * 1e-3);
    }

    [Fact]
    public void TranslatingTheDataTranslatesTheModel()
    {
        var data = MixtureTestData.ThreeBlobs(perCluster: 50, seed: 8);
        var shifted = MixtureTestData.ThreeBlobs(perCluster: 50, seed: 8, shift: 1000);
        var options = new DirichletProcessGaussianMixtureOptions { Components = 8, Seed = 3, Precision = FloatPrecision.Float64 };
        using var a = new DirichletProcessGaussianMixture(options).Fit(data);
        using var b = new DirichletProcessGaussianMixture(options).Fit(shifted);
        Assert.Equal(a.Predict(data), b.Predict(shifted));
        Assert.Equal(a.LowerBound, b.LowerBound, Math.Abs(a.LowerBound) * 1e-4);
        var ma = a.Means;
        var mb = b.Means;
        foreach (int k in a.ActiveComponents) Assert.Equal(ma[k, 0] + 1000, mb[k, 0], 2);
        Assert.Equal(a.MeanPrior[1] + 1000, b.MeanPrior[1], 3);
    }

    [Fact]
    public void CollapseAndNoPruningAreDetectedWithGuidance()
    {
        var data = MixtureTestData.ThreeBlobs(perCluster: 40, seed: 2);
        // Too weak: a truncation below the number of clusters leaves every component in use.
        using (var weak = new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions { Components = 2, Seed = 0 }).Fit(data))
        {
            Assert.Equal(DirichletProcessOutcome.NotPruned, weak.Outcome);
            var w = Assert.Single(weak.Summary.Warnings, s => s.StartsWith("No pruning", StringComparison.Ordinal));
            Assert.Contains("WeightConcentrationPrior", w);
            Assert.Contains("Components", w);
        }
        // Too strong: a tiny concentration with a mean prior that pins every component to the data mean merges everything.
        using (var strong = new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions
        {
            Components = 10, Seed = 0, WeightConcentrationPrior = 1e-6, MeanPrecisionPrior = 1e5,
        }).Fit(data))
        {
            Assert.Equal(DirichletProcessOutcome.CollapsedToOne, strong.Outcome);
            Assert.Equal(1, strong.EffectiveClusters);
            var w = Assert.Single(strong.Summary.Warnings, s => s.StartsWith("Collapse", StringComparison.Ordinal));
            Assert.Contains("raise WeightConcentrationPrior", w);
        }
        // A healthy fit has no such warning.
        using var ok = new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions { Components = 10, Seed = 0 }).Fit(data);
        Assert.Equal(DirichletProcessOutcome.Pruned, ok.Outcome);
        Assert.DoesNotContain(ok.Summary.Warnings, s => s.StartsWith("Collapse", StringComparison.Ordinal) || s.StartsWith("No pruning", StringComparison.Ordinal));
    }

    [Fact]
    public void CoarsenedPosteriorStopsSplittingANonGaussianClusterAndItsBoundStillRises()
    {
        // One cluster that is not Gaussian: 600 points uniform on a 20 x 1 strip.
        var rng = new Random(3);
        var values = new float[600 * 2];
        for (int i = 0; i < 600; i++) { values[2 * i] = (float)(rng.NextDouble() * 20); values[2 * i + 1] = (float)rng.NextDouble(); }
        var data = Dataset.FromValues(values, 600, 2);
        var options = new DirichletProcessGaussianMixtureOptions { Components = 10, Seed = 0, MaxIterations = 200, Precision = FloatPrecision.Float64 };
        using var exact = new DirichletProcessGaussianMixture(options).Fit(data);
        using var coarse = new DirichletProcessGaussianMixture(options with { EffectiveSampleSize = 50 }).Fit(data);
        using var same = new DirichletProcessGaussianMixture(options with { EffectiveSampleSize = 1e6, MaxIterations = 3 }).Fit(data);
        Assert.True(exact.EffectiveClusters >= 3, $"the exact posterior splits the strip into {exact.EffectiveClusters} components");
        Assert.True(coarse.EffectiveClusters < exact.EffectiveClusters);
        Assert.Equal(1.0, exact.DataWeight);
        Assert.Equal(50.0 / 600, coarse.DataWeight, 12);
        // An effective sample size above the row count changes nothing.
        Assert.Equal(exact.Summary.ObjectiveHistory.Take(3), same.Summary.ObjectiveHistory);
        // The coarsened iteration is coordinate ascent on the row-weighted bound: it never decreases.
        var h = coarse.Summary.ObjectiveHistory;
        for (int i = 1; i < h.Count; i++) Assert.True(h[i] >= h[i - 1] - 1e-7 * Math.Abs(h[i]), $"bound fell at iteration {i + 1}: {h[i - 1]} -> {h[i]}");
    }

    [Fact]
    public void LargerConcentrationKeepsMoreComponents()
    {
        var data = DirichletProcessTestData.Mixture(3, 5);
        double Mass(double alpha)
        {
            using var m = new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions
            {
                Components = 10, Seed = 0, WeightConcentrationPrior = alpha, MaxIterations = 300,
            }).Fit(data);
            var w = m.Weights.OrderByDescending(v => v).ToArray();
            return w.Skip(3).Sum();    // mass outside the three largest components
        }
        Assert.True(Mass(100) > Mass(1e-3));
    }

    [Fact]
    public void SaveLoadRoundTripGivesIdenticalPredictions()
    {
        var data = DirichletProcessTestData.Mixture(3, 1);
        using var model = new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions
        {
            Components = 6, Covariance = CovarianceType.Diagonal, Seed = 0, MeanPrior = new[] { 1.0, -2.0 }, CovariancePrior = new[] { 2.0, 3.0 },
        }).Fit(data);
        using var ms = new MemoryStream();
        model.Save(ms);
        ms.Position = 0;
        using var loaded = Assert.IsType<DirichletProcessGaussianMixtureModel>(ModelFile.Load(ms));
        Assert.Equal(model.Predict(data), loaded.Predict(data));
        Assert.Equal(model.PredictProbabilities(data), loaded.PredictProbabilities(data));
        Assert.Equal(model.Weights, loaded.Weights);
        Assert.Equal(model.EffectiveClusters, loaded.EffectiveClusters);
        Assert.Equal(model.Summary.ObjectiveHistory, loaded.Summary.ObjectiveHistory);
        Assert.Equal(model.Summary.Warnings, loaded.Summary.Warnings);
        Assert.Equal(new[] { 1.0, -2.0 }, loaded.Options.MeanPrior);
        Assert.Equal(new[] { 1.0, -2.0 }, loaded.MeanPrior.Select(v => Math.Round(v, 9)));
        Assert.Equal(new[] { 2.0, 3.0 }, (double[])loaded.CovariancePrior);

        ms.Position = 0;
        var bytes = ms.ToArray();
        Array.Resize(ref bytes, bytes.Length / 2);
        Assert.Throws<ModelFormatException>(() => DirichletProcessGaussianMixtureModel.Load(new MemoryStream(bytes)));
        ms.Position = 0;
        Assert.Throws<ModelFormatException>(() => GaussianMixtureModel.Load(ms));
    }

    [Fact]
    public void WarmStartFromResponsibilitiesContinuesAFit()
    {
        var data = DirichletProcessTestData.Mixture(3, 9);
        var options = new DirichletProcessGaussianMixtureOptions { Components = 6, Seed = 0, Precision = FloatPrecision.Float64, MaxIterations = 400 };
        using var first = new DirichletProcessGaussianMixture(options).Fit(data);
        using var x = data.ToTensor(dtype: ScalarType.Float64);
        using var resp = first.PredictProbabilitiesTensor(x);
        using var second = new DirichletProcessGaussianMixture(options with { MaxIterations = 5 }).FitFromResponsibilities(x, resp);
        // Starting from a converged fit's responsibilities, the bound starts where the first fit ended.
        Assert.Equal(first.LowerBound, second.Summary.ObjectiveHistory[0], Math.Abs(first.LowerBound) * 1e-5);
        Assert.Equal(first.Predict(data), second.Predict(data));
        Assert.Equal(1, second.Options.Restarts);
    }

    [Fact]
    public void BadOptionsAndInputsAreRejectedClearly()
    {
        var data = MixtureTestData.ThreeBlobs(perCluster: 10);
        void Throws<T>(DirichletProcessGaussianMixtureOptions o, string name) where T : ArgumentException
        {
            var e = Assert.Throws<T>(() => new DirichletProcessGaussianMixture(o).Fit(data));
            Assert.Contains(name, e.Message);
        }
        var ok = new DirichletProcessGaussianMixtureOptions { Components = 4 };
        Throws<ArgumentOutOfRangeException>(ok with { WeightConcentrationPrior = 0 }, "WeightConcentrationPrior");
        Throws<ArgumentOutOfRangeException>(ok with { MeanPrecisionPrior = -1 }, "MeanPrecisionPrior");
        Throws<ArgumentOutOfRangeException>(ok with { DegreesOfFreedomPrior = 0.5 }, "DegreesOfFreedomPrior");   // needs > D − 1 = 1
        Throws<ArgumentOutOfRangeException>(ok with { EffectiveWeightThreshold = 1 }, "EffectiveWeightThreshold");
        Throws<ArgumentException>(ok with { MeanPrior = new[] { 1.0, 2, 3 } }, "MeanPrior");
        Throws<ArgumentOutOfRangeException>(ok with { CovariancePrior = new[] { 1.0, 2 } }, "CovariancePrior");          // Full needs D x D
        Throws<ArgumentOutOfRangeException>(ok with { CovariancePrior = new double[,] { { 1, 2 }, { 2, 1 } } }, "CovariancePrior"); // not PD
        Throws<ArgumentException>(ok with { Covariance = CovarianceType.Diagonal, CovariancePrior = new[] { 1.0 } }, "CovariancePrior");
        Assert.Equal(20, new DirichletProcessGaussianMixtureOptions().Components);

        using var x = data.ToTensor();
        using var badResp = ones(data.Rows, 3);
        var e = Assert.Throws<ArgumentException>(() => new DirichletProcessGaussianMixture(ok).FitFromResponsibilities(x, badResp));
        Assert.Contains("initialResponsibilities", e.Message);
        using var negative = -ones(data.Rows, 4);
        Assert.Throws<ArgumentException>(() => new DirichletProcessGaussianMixture(ok).FitFromResponsibilities(x, negative));
    }

    [Fact]
    public void CancellationAfterTheFirstIterationThrows()
    {
        var data = DirichletProcessTestData.Mixture(3, 2);
        using var cts = new CancellationTokenSource();
        var progress = new SynchronousProgress(p => { if (p.Phase == TrainingPhase.Training) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new DirichletProcessGaussianMixture(new DirichletProcessGaussianMixtureOptions { Seed = 0 }).Fit(data, progress, cts.Token));
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

/// <summary>The synthetic mixtures of samples/ChoosingK (same generator, same seeds).</summary>
internal static class DirichletProcessTestData
{
    /// <summary>
    /// K centres uniform in [−10, 10]² at least 6 apart, per-axis standard deviations in [0.6, 1.2] with a random
    /// rotation, 100 to 250 rows per component, rows shuffled.
    /// </summary>
    public static Dataset Mixture(int clusters, int seed, int dimensions = 2, double separation = 6.0)
    {
        var rng = new Random(seed);
        var centers = new List<double[]>();
        while (centers.Count < clusters)
        {
            var c = Enumerable.Range(0, dimensions).Select(_ => rng.NextDouble() * 20 - 10).ToArray();
            if (centers.All(o => Math.Sqrt(o.Zip(c, (p, q) => (p - q) * (p - q)).Sum()) >= separation)) centers.Add(c);
        }
        var rows = new List<float[]>();
        var labels = new List<int>();
        for (int k = 0; k < clusters; k++)
        {
            int n = 100 + rng.Next(151);
            var sd = Enumerable.Range(0, dimensions).Select(_ => 0.6 + 0.6 * rng.NextDouble()).ToArray();
            double angle = rng.NextDouble() * Math.PI, cos = Math.Cos(angle), sin = Math.Sin(angle);
            for (int i = 0; i < n; i++)
            {
                var z = sd.Select(s => s * MixtureTestData.Normal(rng)).ToArray();
                if (dimensions >= 2) (z[0], z[1]) = (cos * z[0] - sin * z[1], sin * z[0] + cos * z[1]);
                rows.Add(z.Select((v, j) => (float)(centers[k][j] + v)).ToArray());
                labels.Add(k);
            }
        }
        var order = Enumerable.Range(0, rows.Count).OrderBy(_ => rng.Next()).ToArray();
        return Dataset.FromRows(order.Select(i => rows[i]).ToArray(), order.Select(i => labels[i]).ToArray(), $"synthetic-{clusters}");
    }
}
