using System.Text.Json;
using DeepClustering.Mixtures;
using TorchSharp;
using static TorchSharp.torch;
using static DeepClustering.Tests.Mixtures.GaussianMixtureParityTests;

namespace DeepClustering.Tests.Mixtures;

/// <summary>
/// Parity with scikit-learn 1.2.1's BayesianGaussianMixture(weight_concentration_prior_type="dirichlet_process")
/// (Fixtures/dpgmm_parity.json, made by Fixtures/scripts/make_dpgmm_fixtures.py): in float64, from the same initial
/// responsibilities, the lower bound of every iteration and the final variational parameters agree to 1e-6 relative.
/// </summary>
public class DirichletProcessGaussianMixtureParityTests
{
    private static readonly Lazy<JsonDocument> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "dpgmm_parity.json"))));

    public static TheoryData<string> Cases => new() { "full", "diag", "spherical", "tied" };

    private static CovarianceType TypeOf(string name) => name switch
    {
        "full" => CovarianceType.Full,
        "diag" => CovarianceType.Diagonal,
        "spherical" => CovarianceType.Spherical,
        _ => CovarianceType.Tied,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void LowerBoundsAndParametersMatchScikitLearn(string name)
    {
        var root = Fixture.Value.RootElement;
        var c = root.GetProperty("cases").GetProperty(name);
        int iterations = root.GetProperty("iterations").GetInt32();
        using var x = Matrix(root.GetProperty("X"));
        using var resp = Matrix(root.GetProperty("initial_resp"));
        var options = new DirichletProcessGaussianMixtureOptions
        {
            Components = root.GetProperty("n_components").GetInt32(),
            Covariance = TypeOf(name),
            CovarianceRegularization = root.GetProperty("reg_covar").GetDouble(),
            MaxIterations = iterations,
            Tolerance = 0,
            Precision = FloatPrecision.Float64,
        };
        using var model = new DirichletProcessGaussianMixture(options).FitFromResponsibilities(x, resp);

        Assert.Equal(iterations, model.Summary.ObjectiveHistory.Count);
        AssertClose(Flat(c.GetProperty("lower_bounds")), model.Summary.ObjectiveHistory.ToArray(), "lower bounds");
        AssertClose(Flat(c.GetProperty("weights")), model.Weights, "weights");
        AssertClose(Flat(c.GetProperty("means")), Flatten(model.Means), "means");
        var (a, b) = model.WeightConcentration;
        var wc = c.GetProperty("weight_concentration");
        AssertClose(Flat(wc[0]), a, "weight_concentration[0]");
        AssertClose(Flat(wc[1]), b, "weight_concentration[1]");
        AssertClose(Flat(c.GetProperty("mean_precision")), model.MeanPrecision, "mean_precision");
        var dof = Flat(c.GetProperty("degrees_of_freedom"));
        AssertClose(name == "tied" ? Enumerable.Repeat(dof[0], options.Components).ToArray() : dof, model.DegreesOfFreedom, "degrees_of_freedom");
        AssertClose(Flat(c.GetProperty("covariances")), Flatten(model.Covariances), "covariances");
        AssertClose(Flat(c.GetProperty("precisions_cholesky")), Flatten(model.PrecisionsCholesky), "precisions_cholesky");
        using var labels = model.PredictTensor(x);
        Assert.Equal(c.GetProperty("labels").EnumerateArray().Select(e => (long)e.GetInt32()), labels.data<long>().ToArray());

        // The data-derived default priors are scikit-learn's.
        var priors = c.GetProperty("priors");
        AssertClose(new[] { priors.GetProperty("weight_concentration_prior").GetDouble() }, new[] { model.WeightConcentrationPrior }, "weight_concentration_prior");
        AssertClose(new[] { priors.GetProperty("mean_precision_prior").GetDouble() }, new[] { model.MeanPrecisionPrior }, "mean_precision_prior");
        AssertClose(new[] { priors.GetProperty("degrees_of_freedom_prior").GetDouble() }, new[] { model.DegreesOfFreedomPrior }, "degrees_of_freedom_prior");
        AssertClose(Flat(priors.GetProperty("mean_prior")), model.MeanPrior, "mean_prior");
        AssertClose(Flat(priors.GetProperty("covariance_prior")), Flatten(model.CovariancePrior), "covariance_prior");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void InitializationFromResponsibilitiesMatchesScikitLearn(string name)
    {
        // _initialize(X, resp0) is one variational M-step: check it through the shared math directly.
        var root = Fixture.Value.RootElement;
        var c = root.GetProperty("cases").GetProperty(name);
        var init = c.GetProperty("initial");
        var type = TypeOf(name);
        using var x = Matrix(root.GetProperty("X"));
        using var resp = Matrix(root.GetProperty("initial_resp"));
        int k = (int)resp.shape[1], d = (int)x.shape[1];
        var pr = c.GetProperty("priors");
        var cov0 = Flat(pr.GetProperty("covariance_prior"));
        var priors = new BayesianMixturePriors(type, pr.GetProperty("weight_concentration_prior").GetDouble(), pr.GetProperty("mean_precision_prior").GetDouble(),
            Flat(pr.GetProperty("mean_prior")), pr.GetProperty("degrees_of_freedom_prior").GetDouble(), cov0);
        using var stats = new MixtureStatistics(type, k, d, CPU, null, ScalarType.Float64);
        using (var chunk = new RowChunk(GaussianMath.Augment(type, x), d, 0, ownsAugmented: true)) stats.Add(chunk, resp);
        using var p = BayesianMixtureMath.MStep(stats, priors, root.GetProperty("reg_covar").GetDouble(), ScalarType.Float64);
        var wc = init.GetProperty("weight_concentration");
        AssertClose(Flat(wc[0]), p.ConcentrationA, "a");
        AssertClose(Flat(wc[1]), p.ConcentrationB, "b");
        AssertClose(Flat(init.GetProperty("mean_precision")), p.MeanPrecision, "mean_precision");
        AssertClose(Flat(init.GetProperty("means")), p.Means.data<double>().ToArray(), "means");
        AssertClose(Flat(init.GetProperty("covariances")), p.Covariances.contiguous().data<double>().ToArray(), "covariances");
        AssertClose(Flat(init.GetProperty("precisions_cholesky")), p.PrecisionsCholesky.contiguous().data<double>().ToArray(), "precisions_cholesky");
    }

    [Fact]
    public void StickBreakingTermsMatchClosedForms()
    {
        // Two components, counts (3, 1), α₀ = 0.5: a = (4, 2), b = (1.5, 0.5).
        var (a, b) = BayesianMixtureMath.StickPosterior(new[] { 3.0, 1.0 }, 0.5);
        Assert.Equal(new[] { 4.0, 2.0 }, a);
        Assert.Equal(new[] { 1.5, 0.5 }, b);
        var w = BayesianMixtureMath.ExpectedWeights(a, b);
        double w0 = 4 / 5.5, w1 = 2 / 2.5 * (1.5 / 5.5);
        Assert.Equal(w0 / (w0 + w1), w[0], 12);
        // ψ(n + 1) − ψ(n) = 1/n gives closed forms for integer arguments.
        var lw = BayesianMixtureMath.ExpectedLogWeights(new[] { 2.0, 1.0 }, new[] { 1.0, 1.0 });
        // ψ(2) − ψ(3) = −1/2; second: ψ(1) − ψ(2) + ψ(1) − ψ(3) = −1 − 3/2.
        Assert.Equal(-0.5, lw[0], 12);
        Assert.Equal(-2.5, lw[1], 12);
        Assert.Equal(Math.Log(1.0 / 12), BayesianMixtureMath.LogBeta(2, 3), 12);
    }

    private static Tensor Matrix(JsonElement e)
    {
        var rows = e.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        return tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, rows[0].Length }, dtype: ScalarType.Float64);
    }
}
