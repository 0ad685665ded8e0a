using System.Text.Json;
using DeepClustering.Mixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Mixtures;

/// <summary>
/// Parity with scikit-learn 1.2.1's GaussianMixture (Fixtures/gmm_parity.json, made by
/// Fixtures/scripts/make_gmm_fixtures.py): from the same initial parameters, in float64, the lower bound of
/// every iteration and the final parameters agree to 1e-6 relative.
/// </summary>
public class GaussianMixtureParityTests
{
    private const double Rel = 1e-6;
    private static readonly Lazy<JsonDocument> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "gmm_parity.json"))));

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
    public void LowerBoundsParametersAndScoresMatchScikitLearn(string name)
    {
        var root = Fixture.Value.RootElement;
        var c = root.GetProperty("cases").GetProperty(name);
        int iterations = root.GetProperty("iterations").GetInt32();
        using var x = X(root);
        using var model = new GaussianMixture(Options(root, c, name, iterations)).FitTensor(x);

        var expectedBounds = Flat(c.GetProperty("lower_bounds"));
        Assert.Equal(iterations, model.Summary.ObjectiveHistory.Count);
        AssertClose(expectedBounds, model.Summary.ObjectiveHistory.ToArray(), "lower bounds");
        AssertClose(Flat(c.GetProperty("weights")), model.Weights, "weights");
        AssertClose(Flat(c.GetProperty("means")), Flatten(model.Means), "means");
        AssertClose(Flat(c.GetProperty("covariances")), Flatten(model.Covariances), "covariances");
        AssertClose(Flat(c.GetProperty("precisions_cholesky")), Flatten(model.PrecisionsCholesky), "precisions_cholesky");
        AssertClose(Flat(c.GetProperty("precisions")), Flatten(model.Precisions), "precisions");

        using var scores = model.ScoreSamplesTensor(x);
        var s = scores.data<double>().ToArray();
        AssertClose(new[] { c.GetProperty("score").GetDouble() }, new[] { s.Average() }, "score");
        AssertClose(Flat(c.GetProperty("score_samples_head")), s.Take(10).ToArray(), "score_samples");
        using var labels = model.PredictTensor(x);
        Assert.Equal(c.GetProperty("labels").EnumerateArray().Select(e => (long)e.GetInt32()), labels.data<long>().ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneIterationMatchesScikitLearnsFirstStep(string name)
    {
        var root = Fixture.Value.RootElement;
        var c = root.GetProperty("cases").GetProperty(name);
        var first = c.GetProperty("first_step");
        using var x = X(root);
        using var model = new GaussianMixture(Options(root, c, name, 1)).FitTensor(x);
        AssertClose(new[] { Flat(c.GetProperty("lower_bounds"))[0] }, model.Summary.ObjectiveHistory.ToArray(), "first lower bound");
        AssertClose(Flat(first.GetProperty("weights")), model.Weights, "weights");
        AssertClose(Flat(first.GetProperty("means")), Flatten(model.Means), "means");
        AssertClose(Flat(first.GetProperty("covariances")), Flatten(model.Covariances), "covariances");
        AssertClose(Flat(first.GetProperty("precisions_cholesky")), Flatten(model.PrecisionsCholesky), "precisions_cholesky");
    }

    private static GaussianMixtureOptions Options(JsonElement root, JsonElement c, string name, int iterations)
    {
        var type = TypeOf(name);
        return new GaussianMixtureOptions
        {
            Components = root.GetProperty("n_components").GetInt32(),
            Covariance = type,
            CovarianceRegularization = root.GetProperty("reg_covar").GetDouble(),
            InitialWeights = Flat(c.GetProperty("weights_init")),
            InitialMeans = (double[,])Shaped(c.GetProperty("means_init")),
            InitialPrecisions = Shaped(c.GetProperty("precisions_init")),
            MaxIterations = iterations,
            Tolerance = 0,
            Precision = FloatPrecision.Float64,
        };
    }

    private static Tensor X(JsonElement root)
    {
        var rows = root.GetProperty("X").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        return tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, rows[0].Length }, dtype: ScalarType.Float64);
    }

    internal static double[] Flat(JsonElement e) => e.ValueKind == JsonValueKind.Array
        ? e.EnumerateArray().SelectMany(Flat).ToArray()
        : new[] { e.GetDouble() };

    internal static Array Shaped(JsonElement e)
    {
        var shape = new List<int>();
        for (var cur = e; cur.ValueKind == JsonValueKind.Array; cur = cur[0]) shape.Add(cur.GetArrayLength());
        var flat = Flat(e);
        var a = Array.CreateInstance(typeof(double), shape.ToArray());
        Buffer.BlockCopy(flat, 0, a, 0, flat.Length * sizeof(double));
        return a;
    }

    internal static double[] Flatten(Array a) => a.Cast<double>().ToArray();

    internal static void AssertClose(double[] expected, double[] actual, string what, double rel = Rel)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = rel * Math.Max(Math.Abs(expected[i]), 1e-3 * scale);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol,
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (|diff| {Math.Abs(expected[i] - actual[i]):E2} > {tol:E2})");
        }
    }
}
