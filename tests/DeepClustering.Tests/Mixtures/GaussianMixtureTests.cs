using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Mixtures;
using DeepClustering.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Mixtures;

public class GaussianMixtureTests
{
    public static TheoryData<CovarianceType> Types => new() { CovarianceType.Full, CovarianceType.Diagonal, CovarianceType.Spherical, CovarianceType.Tied };

    /// <summary>A known 3-component 2-D mixture whose covariances have the structure of <paramref name="type"/>.</summary>
    private static (Dataset Data, double[] Weights, double[][] Means, double[][,] Covariances) Known(CovarianceType type, int n = 900, int seed = 3)
    {
        var weights = new[] { 0.5, 0.3, 0.2 };
        var means = new[] { new[] { -6.0, 0.0 }, new[] { 0.0, 6.0 }, new[] { 6.0, -1.0 } };
        double[][,] chol = type switch
        {
            CovarianceType.Full => new[] { new[,] { { 1.0, 0 }, { 0.6, 0.8 } }, new[,] { { 0.7, 0 }, { -0.3, 1.2 } }, new[,] { { 1.3, 0 }, { 0.2, 0.5 } } },
            CovarianceType.Diagonal => new[] { new[,] { { 1.0, 0 }, { 0, 0.5 } }, new[,] { { 0.6, 0 }, { 0, 1.3 } }, new[,] { { 1.2, 0 }, { 0, 0.8 } } },
            CovarianceType.Spherical => new[] { new[,] { { 1.0, 0 }, { 0, 1.0 } }, new[,] { { 0.6, 0 }, { 0, 0.6 } }, new[,] { { 1.4, 0 }, { 0, 1.4 } } },
            _ => Enumerable.Repeat(new[,] { { 1.0, 0 }, { 0.5, 0.7 } }, 3).ToArray(),
        };
        var cov = chol.Select(l => new[,]
        {
            { l[0, 0] * l[0, 0], l[0, 0] * l[1, 0] },
            { l[0, 0] * l[1, 0], l[1, 0] * l[1, 0] + l[1, 1] * l[1, 1] },
        }).ToArray();
        return (MixtureTestData.Mixture(weights, means, chol, n, seed), weights, means, cov);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void RecoversAKnownMixture(CovarianceType type)
    {
        var (data, weights, means, cov) = Known(type);
        using var model = new GaussianMixture(new GaussianMixtureOptions { Components = 3, Covariance = type, Seed = 1 }).Fit(data);
        Assert.True(model.Summary.Converged);
        // Components matched to the truth by sorting on the first mean coordinate.
        var m = model.Means;
        var order = Enumerable.Range(0, 3).OrderBy(k => m[k, 0]).ToArray();
        for (int t = 0; t < 3; t++)
        {
            int k = order[t];
            Assert.Equal(weights[t], model.Weights[k], 0.05);
            Assert.Equal(means[t][0], m[k, 0], 0.25);
            Assert.Equal(means[t][1], m[k, 1], 0.25);
            var c = model.ComponentCovariance(k);
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++)
                    Assert.True(Math.Abs(c[a, b] - cov[t][a, b]) < 0.25 * Math.Max(1, Math.Abs(cov[t][a, b])),
                        $"{type} component {t} cov[{a},{b}] = {c[a, b]:F3}, expected {cov[t][a, b]:F3}");
        }
        Assert.Equal(1.0, MixtureTestData.MatchedAccuracy(data.Labels!, model.Predict(data), 3), 0.03);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void LowerBoundNeverDecreases(CovarianceType type)
    {
        var (data, _, _, _) = Known(type, 400, 8);
        using var model = new GaussianMixture(new GaussianMixtureOptions
        {
            Components = 4, Covariance = type, Init = MixtureInit.Random, MaxIterations = 25, Tolerance = 0, Seed = 2,
            Precision = FloatPrecision.Float64,
        }).Fit(data);
        var h = model.Summary.ObjectiveHistory;
        Assert.Equal(25, h.Count);
        for (int i = 1; i < h.Count; i++) Assert.True(h[i] >= h[i - 1] - 1e-9, $"lower bound fell at iteration {i + 1}: {h[i - 1]} -> {h[i]}");
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void TranslatingTheDataTranslatesTheMeans(CovarianceType type)
    {
        var (data, _, _, _) = Known(type, 300, 5);
        var shifted = Dataset.FromArray(Shift(data.ToArray(), 100f));
        var options = new GaussianMixtureOptions { Components = 3, Covariance = type, Seed = 4 };
        using var a = new GaussianMixture(options).Fit(data);
        using var b = new GaussianMixture(options).Fit(shifted);
        Assert.Equal(a.Predict(data), b.Predict(shifted));
        var wa = a.Weights; var wb = b.Weights;
        var ma = a.Means; var mb = b.Means;
        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(wa[k], wb[k], 1e-4);
            for (int j = 0; j < 2; j++) Assert.Equal(ma[k, j] + 100, mb[k, j], 1e-3);
        }
        Assert.Equal(a.Summary.FinalObjective, b.Summary.FinalObjective, 1e-4);
    }

    [Fact]
    public void ParameterCountsAndInformationCriteriaFollowTheirDefinitions()
    {
        Assert.Equal(3 * 3 + 3 * 2 + 2, GaussianMath.ParameterCount(CovarianceType.Full, 3, 2));
        Assert.Equal(3 * 2 + 3 * 2 + 2, GaussianMath.ParameterCount(CovarianceType.Diagonal, 3, 2));
        Assert.Equal(3 + 3 * 2 + 2, GaussianMath.ParameterCount(CovarianceType.Spherical, 3, 2));
        Assert.Equal(3 + 3 * 2 + 2, GaussianMath.ParameterCount(CovarianceType.Tied, 3, 2));

        // 1-D data, one component: every covariance type is the same model, hence the same BIC (sklearn's identity).
        var rng = new Random(1);
        var data = Dataset.FromValues(Enumerable.Range(0, 200).Select(_ => (float)(3 + 2 * MixtureTestData.Normal(rng))).ToArray(), 200, 1);
        var bics = new List<double>();
        foreach (var type in new[] { CovarianceType.Full, CovarianceType.Diagonal, CovarianceType.Spherical, CovarianceType.Tied })
        {
            using var m = new GaussianMixture(new GaussianMixtureOptions { Components = 1, Covariance = type, Precision = FloatPrecision.Float64 }).Fit(data);
            double bic = m.BayesianInformationCriterion(data), aic = m.AkaikeInformationCriterion(data);
            double ll = m.Score(data) * data.Rows;
            Assert.Equal(-2 * ll + 2 * Math.Log(200), bic, 1e-8);
            Assert.Equal(-2 * ll + 2 * 2, aic, 1e-8);
            bics.Add(bic);
        }
        Assert.All(bics, b => Assert.Equal(bics[0], b, 1e-6));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void FitPredictLabelsEqualPredictAndProbabilitiesSumToOne(CovarianceType type)
    {
        var (data, _, _, _) = Known(type, 300, 9);
        var (model, labels) = new GaussianMixture(new GaussianMixtureOptions { Components = 3, Covariance = type, MaxIterations = 3, Seed = 5 })
            .FitPredict(data);
        using (model)
        {
            Assert.Equal(labels, model.Predict(data));
            var p = model.PredictProbabilities(data);
            for (int i = 0; i < data.Rows; i++)
            {
                double sum = 0;
                int arg = 0;
                for (int k = 0; k < 3; k++) { sum += p[i, k]; if (p[i, k] > p[i, arg]) arg = k; }
                Assert.Equal(1.0, sum, 1e-5);
                Assert.Equal(labels[i], arg);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void SaveLoadGivesIdenticalProbabilities(CovarianceType type)
    {
        var (data, _, _, _) = Known(type, 300, 10);
        var options = new GaussianMixtureOptions { Components = 3, Covariance = type, Seed = 6, InitialWeights = new[] { 0.2, 0.3, 0.5 } };
        using var model = new GaussianMixture(options).Fit(data);
        var path = Path.Combine(Path.GetTempPath(), $"gmm-{type}-{Guid.NewGuid():N}.dcm");
        try
        {
            model.Save(path);
            using var loaded = GaussianMixtureModel.Load(path);
            Assert.Equal(model.PredictProbabilities(data), loaded.PredictProbabilities(data));
            Assert.Equal(model.ScoreSamples(data), loaded.ScoreSamples(data));
            Assert.Equal(PlainOptions(model.Options), PlainOptions(loaded.Options));
            Assert.Equal(options.InitialWeights, loaded.Options.InitialWeights);
            Assert.Equal(model.Summary.ObjectiveHistory, loaded.Summary.ObjectiveHistory);
            using var generic = ModelFile.Load(path);
            Assert.Equal(model.Predict(data), Assert.IsType<GaussianMixtureModel>(generic).Predict(data));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void SingularCovarianceNamesTheFixes()
    {
        // Two tight groups of identical points and no regularisation: the covariances are exactly singular.
        var rows = Enumerable.Range(0, 20).Select(i => i < 10 ? new float[] { 1, 2 } : new float[] { 5, 5 }).ToArray();
        var data = Dataset.FromRows(rows);
        var gmm = new GaussianMixture(new GaussianMixtureOptions { Components = 2, CovarianceRegularization = 0, Init = MixtureInit.KMeans });
        var e = Assert.Throws<ClusteringNumericsException>(() => gmm.Fit(data));
        Assert.Contains("CovarianceRegularization", e.Message);
        Assert.Contains("fewer Components", e.Message);
        Assert.Contains("standardise", e.Message);
        Assert.Contains("Float64", e.Message);
        // The default regularisation copes with it.
        using var ok = new GaussianMixture(new GaussianMixtureOptions { Components = 2 }).Fit(data);
        Assert.Equal(2, ok.Predict(data).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void ChunkSizeDoesNotChangeTheResult(CovarianceType type)
    {
        var (data, _, _, _) = Known(type, 250, 11);
        var options = new GaussianMixtureOptions { Components = 3, Covariance = type, Seed = 7, Precision = FloatPrecision.Float64, MaxIterations = 10, Tolerance = 0 };
        using var whole = new GaussianMixture(options).Fit(data);
        using var chunked = new GaussianMixture(options with { ChunkSize = 7 }).Fit(data);
        GaussianMixtureParityTests.AssertClose(whole.Summary.ObjectiveHistory.ToArray(), chunked.Summary.ObjectiveHistory.ToArray(), "lower bounds", 1e-10);
        GaussianMixtureParityTests.AssertClose(GaussianMixtureParityTests.Flatten(whole.Covariances), GaussianMixtureParityTests.Flatten(chunked.Covariances), "covariances", 1e-9);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void RowBlocksOnParallelWorkersGiveTheSameFit(CovarianceType type)
    {
        // 6,000-row chunks are split into row blocks for the CPU E-step's workers (diagonal, spherical); 1,500-row chunks are not.
        var (data, _, _, _) = Known(type, 6000, 13);
        var options = new GaussianMixtureOptions { Components = 3, Covariance = type, Seed = 9, Precision = FloatPrecision.Float64, MaxIterations = 6, Tolerance = 0 };
        var (split, splitLabels) = new GaussianMixture(options with { ChunkSize = 6000 }).FitPredict(data);
        var (whole, wholeLabels) = new GaussianMixture(options with { ChunkSize = 1500 }).FitPredict(data);
        using (split)
        using (whole)
        {
            GaussianMixtureParityTests.AssertClose(whole.Summary.ObjectiveHistory.ToArray(), split.Summary.ObjectiveHistory.ToArray(), "lower bounds", 1e-10);
            GaussianMixtureParityTests.AssertClose(GaussianMixtureParityTests.Flatten(whole.Covariances), GaussianMixtureParityTests.Flatten(split.Covariances), "covariances", 1e-9);
            Assert.Equal(wholeLabels, splitLabels);
            Assert.Equal(whole.Predict(data), splitLabels);
        }
    }

    [Fact]
    public void NonFiniteInputIsRejectedWithItsPosition()
    {
        var values = new float[50 * 2];
        for (int i = 0; i < values.Length; i++) values[i] = i % 7;
        values[37 * 2 + 1] = float.NaN;
        using var x = tensor(values).view(50, 2);
        var e = Assert.Throws<ArgumentException>(() => new GaussianMixture(2).FitTensor(x));
        Assert.Contains("row 37, column 1", e.Message);
        values[37 * 2 + 1] = 0;
        values[3 * 2] = float.NegativeInfinity;
        using var y = tensor(values).view(50, 2);
        e = Assert.Throws<ArgumentException>(() => new KMeans(2).FitTensor(y));
        Assert.Contains("row 3, column 0", e.Message);
        using var z = tensor(values.Select(v => (double)v).ToArray()).view(50, 2);
        e = Assert.Throws<ArgumentException>(() => new KMeans(2).FitTensor(z));
        Assert.Contains("row 3, column 0", e.Message);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void SinglePrecisionAgreesWithDouble(CovarianceType type)
    {
        var (data, _, _, _) = Known(type, 400, 12);
        var options = new GaussianMixtureOptions { Components = 3, Covariance = type, Seed = 8 };
        using var f32 = new GaussianMixture(options).Fit(data);
        using var f64 = new GaussianMixture(options with { Precision = FloatPrecision.Float64 }).Fit(data);
        Assert.Equal(ScalarType.Float32, f32.Dtype);
        Assert.Equal(f64.Score(data), f32.Score(data), 1e-4 * Math.Abs(f64.Score(data)));
    }

    [Theory]
    [InlineData(MixtureInit.KMeans)]
    [InlineData(MixtureInit.KMeansPlusPlus)]
    [InlineData(MixtureInit.Random)]
    [InlineData(MixtureInit.RandomFromData)]
    public void EveryInitialisationFindsSeparatedClusters(MixtureInit init)
    {
        var data = MixtureTestData.ThreeBlobs(50, 13);
        using var model = new GaussianMixture(new GaussianMixtureOptions { Components = 3, Covariance = CovarianceType.Diagonal, Init = init, Seed = 3, Restarts = 2 }).Fit(data);
        Assert.Equal(1.0, MixtureTestData.MatchedAccuracy(data.Labels!, model.Predict(data), 3));
    }

    [Fact]
    public void SamplesReproduceTheMixtureAndTheSeed()
    {
        var (data, _, _, _) = Known(CovarianceType.Full, 600, 14);
        using var model = new GaussianMixture(new GaussianMixtureOptions { Components = 3, Seed = 1 }).Fit(data);
        var (x, comp) = model.Sample(6000, seed: 3);
        var (x2, comp2) = model.Sample(6000, seed: 3);
        Assert.Equal(x, x2);
        Assert.Equal(comp, comp2);
        var w = model.Weights;
        for (int k = 0; k < 3; k++)
        {
            var rows = Enumerable.Range(0, comp.Length).Where(i => comp[i] == k).ToArray();
            Assert.Equal(w[k], rows.Length / 6000.0, 0.03);
            double mx = rows.Average(i => x[i, 0]), my = rows.Average(i => x[i, 1]);
            double cxy = rows.Average(i => (x[i, 0] - mx) * (x[i, 1] - my));
            var cov = model.ComponentCovariance(k);
            Assert.Equal(model.Means[k, 0], mx, 0.1);
            Assert.Equal(cov[0, 1], cxy, 0.15);
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void FastKernelMatchesTheDirectFormula(CovarianceType type)
    {
        var (data, _, _, _) = Known(type, 120, 15);
        using var model = new GaussianMixture(new GaussianMixtureOptions { Components = 3, Covariance = type, Precision = FloatPrecision.Float64, MaxIterations = 5 }).Fit(data);
        using var scope = NewDisposeScope();
        var x = data.ToTensor(dtype: ScalarType.Float64);
        var means = TensorArraysFrom(model.Means);
        var pc = TensorArraysFrom(model.PrecisionsCholesky);
        var direct = GaussianMath.EstimateLogGaussianProb(type, x, means, pc);
        using var kernel = GaussianLogDensity.Create(type, means, pc, null, ScalarType.Float64);
        var fast = kernel.Evaluate(GaussianMath.Augment(type, x));
        Assert.True(fast.allclose(direct, rtol: 1e-10, atol: 1e-10));
        // Scores are the log-sum-exp of the weighted log-densities.
        var weighted = direct + tensor(model.Weights).log().unsqueeze(0);
        Assert.True(tensor(model.ScoreSamples(data)).allclose(weighted.logsumexp(1), rtol: 1e-10, atol: 1e-10));
    }

    [Fact]
    public void OptionsAndInputsAreCheckedWithClearErrors()
    {
        var data = MixtureTestData.ThreeBlobs(10);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianMixture(new GaussianMixtureOptions { Components = 3, InitialWeights = new[] { 0.5, 0.2, 0.2 } }).Fit(data));
        Assert.Equal("InitialWeights", e.ParamName);
        var m = Assert.Throws<ArgumentException>(() => new GaussianMixture(new GaussianMixtureOptions { Components = 3, InitialMeans = new double[3, 5] }).Fit(data));
        Assert.Equal("InitialMeans", m.ParamName);
        var p = Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianMixture(new GaussianMixtureOptions
        {
            Components = 2, Covariance = CovarianceType.Diagonal, InitialPrecisions = new double[2],
        }).Fit(data));
        Assert.Equal("InitialPrecisions", p.ParamName);
        var notPd = Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianMixture(new GaussianMixtureOptions
        {
            Components = 1, Covariance = CovarianceType.Tied, InitialPrecisions = new double[,] { { 1, 2 }, { 2, 1 } },
        }).Fit(data));
        Assert.Contains("positive-definite", notPd.Message);
        using var model = new GaussianMixture(2).Fit(data);
        var wide = Dataset.FromValues(new float[6], 2, 3);
        var w = Assert.Throws<ArgumentException>(() => model.Predict(wide));
        Assert.Contains("fitted on 2", w.Message);
    }

    [Fact]
    public void UserGivenParametersStartTheFit()
    {
        var data = MixtureTestData.ThreeBlobs(40, 16);
        var means = new double[,] { { 0, 0 }, { 8, 0 }, { 0, 8 } };
        using var model = new GaussianMixture(new GaussianMixtureOptions
        {
            Components = 3, Covariance = CovarianceType.Spherical, InitialMeans = means, InitialWeights = new[] { 1 / 3.0, 1 / 3.0, 1 / 3.0 },
            InitialPrecisions = new[] { 1.0, 1.0, 1.0 }, MaxIterations = 1, Precision = FloatPrecision.Float64,
        }).Fit(data);
        // One EM step from the true means keeps the component order.
        var labels = model.Predict(data);
        Assert.Equal(data.Labels!, labels);
    }

    private static Tensor TensorArraysFrom(Array a)
    {
        var shape = Enumerable.Range(0, a.Rank).Select(i => (long)a.GetLength(i)).ToArray();
        return tensor(a.Cast<double>().ToArray(), shape, dtype: ScalarType.Float64);
    }

    private static GaussianMixtureOptions PlainOptions(GaussianMixtureOptions o) => o with { InitialWeights = null, InitialMeans = null, InitialPrecisions = null };

    private static float[,] Shift(float[,] a, float by)
    {
        var r = (float[,])a.Clone();
        for (int i = 0; i < r.GetLength(0); i++) for (int j = 0; j < r.GetLength(1); j++) r[i, j] += by;
        return r;
    }
}
