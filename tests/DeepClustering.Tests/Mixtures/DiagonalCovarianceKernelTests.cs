using DeepClustering.Mixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Mixtures;

/// <summary>
/// The fused CPU E-step of diagonal and spherical components (<see cref="DiagonalCovarianceKernel"/>, reached through
/// <see cref="MixtureStatistics.AddEStepOnHost"/>) against the same statistics written as plain tensor algebra in
/// double: row counts that are and are not whole blocks and vectors, component counts that are and are not whole
/// vector pairs, odd widths, both working dtypes.
/// </summary>
public class DiagonalCovarianceKernelTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        // rows, features, components
        { 1, 1, 1 },
        { 3, 5, 3 },
        { 64, 32, 16 },
        { 67, 7, 10 },
        { 130, 33, 17 },
        { 200, 3, 2 },
        { 600, 16, 9 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DiagonalEStepMatchesTheTensorDefinition(int n, int d, int k)
    {
        if (!DiagonalCovarianceKernel.Supports(k, d)) return; // the tensor path is then the only one, covered elsewhere
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
            Check(CovarianceType.Diagonal, n, d, k, dtype);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SphericalEStepMatchesTheTensorDefinition(int n, int d, int k)
    {
        if (!DiagonalCovarianceKernel.Supports(k, d)) return;
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
            Check(CovarianceType.Spherical, n, d, k, dtype);
    }

    private static void Check(CovarianceType type, int n, int d, int k, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var f64 = ScalarType.Float64;
        var g = new Generator(seed: (ulong)(n * 131 + d * 7 + k));
        var mu = randn(new long[] { k, d }, dtype: f64, generator: g) * 2;
        var variances = type == CovarianceType.Diagonal
            ? rand(new long[] { k, d }, dtype: f64, generator: g) * 2.5 + 0.3
            : rand(new long[] { k }, dtype: f64, generator: g) * 2.5 + 0.3;
        var logWeights = nn.functional.log_softmax(randn(new long[] { k }, dtype: f64, generator: g), 0);
        // Rows near random components, so that some rows are shared between components and some are not.
        var which = randint(k, new long[] { n }, dtype: ScalarType.Int64, generator: g);
        var x = (mu.index_select(0, which) + randn(new long[] { n, d }, dtype: f64, generator: g)).to(dtype).to(f64);

        // Expected, in double: w_ik = log π_k + log N(x_i | μ_k, σ²_k), floored shifted exp, normalised.
        var full = type == CovarianceType.Diagonal ? variances : variances.unsqueeze(1).expand(k, d);
        var residual = x.unsqueeze(1) - mu.unsqueeze(0);                                           // n x K x D
        var w = logWeights.unsqueeze(0) - 0.5 * (residual.square() / full.unsqueeze(0)).sum(dim: 2)
            - 0.5 * full.log().sum(dim: 1).unsqueeze(0) - 0.5 * d * Math.Log(2 * Math.PI);
        var max = w.amax(new long[] { 1 }, keepdim: true);
        double floor = dtype == ScalarType.Float64 ? -690 : -80;
        var e = (w - max).clamp_min(floor).exp();
        var sum = e.sum(dim: 1, keepdim: true);
        var r = e / sum;
        double expectedLogNorm = (max + sum.log()).sum().item<double>();
        var expectedNk = r.sum(dim: 0);
        var expectedFirst = r.t().matmul(x);
        var expectedSecond = type == CovarianceType.Diagonal ? r.t().matmul(x.square()) : r.t().matmul(x.square().sum(dim: 1));
        var expectedSizes = bincount(w.argmax(1), minlength: k);

        using var density = GaussianLogDensity.Create(type, mu, variances.rsqrt(), logWeights, dtype);
        Assert.True(density.CanAccumulateOnHost(dtype, CPU));
        using var chunk = new RowChunk(GaussianMath.Augment(type, x.to(dtype)), d, 0, ownsAugmented: true);
        using var stats = new MixtureStatistics(type, k, d, CPU, null, dtype);
        var sizes = new long[k];
        stats.AddEStepOnHost(chunk, density, sizes);

        double tolerance = dtype == ScalarType.Float64 ? 1e-9 : 2e-4;
        AssertClose(expectedNk, stats.ResponsibilitySums, tolerance, $"{type} {dtype} N_k");
        AssertClose(expectedFirst, stats.FirstMoments, tolerance, $"{type} {dtype} first moments");
        AssertClose(expectedSecond, stats.SecondMoments, tolerance, $"{type} {dtype} second moments");
        Assert.True(Math.Abs(stats.SumLogProbNorm - expectedLogNorm) <= tolerance * (Math.Abs(expectedLogNorm) + n),
            $"{type} {dtype}: Σ log p(x) {stats.SumLogProbNorm} against {expectedLogNorm}");
        Assert.Equal(n, stats.Rows);
        // Hard sizes: the arg-max of each row (random data: no exact ties).
        Assert.Equal(expectedSizes.data<long>().ToArray(), sizes);
    }

    /// <summary>Scale-aware closeness: |a − e| ≤ tol · (max |e| + 1) elementwise.</summary>
    private static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        double scale = expected.abs().max().item<double>() + 1;
        double error = (actual.to(ScalarType.Float64) - expected).abs().max().item<double>();
        Assert.True(error <= tolerance * scale, $"{what}: max error {error:E2} (scale {scale:G3})");
    }

    [Fact]
    public void RowsAtTheFloorAddNothingToAComponentsMoments()
    {
        if (!DiagonalCovarianceKernel.Supports(2, 2)) return;
        using var scope = NewDisposeScope();
        var f64 = ScalarType.Float64;
        // Two clusters 100 standard deviations apart: every row's responsibility for the far component is the floor.
        var a = full(new long[] { 70, 2 }, -50.0, dtype: f64) + randn(70, 2, dtype: f64, generator: new Generator(seed: 1));
        var b = full(new long[] { 90, 2 }, 50.0, dtype: f64) + randn(90, 2, dtype: f64, generator: new Generator(seed: 2));
        var x = cat(new[] { a, b }, 0);
        var mu = tensor(new double[,] { { -50, -50 }, { 50, 50 } });
        using var density = GaussianLogDensity.Create(CovarianceType.Diagonal, mu, ones(2, 2, dtype: f64), tensor(new[] { Math.Log(0.5), Math.Log(0.5) }), f64);
        using var chunk = new RowChunk(GaussianMath.Augment(CovarianceType.Diagonal, x), 2, 0, ownsAugmented: true);
        using var stats = new MixtureStatistics(CovarianceType.Diagonal, 2, 2, CPU, null, f64);
        stats.AddEStepOnHost(chunk, density, Span<long>.Empty);
        // Each component's sums are exactly its own rows' (responsibility 1), with nothing from the other cluster.
        Assert.Equal(a.sum(dim: 0).data<double>().ToArray(), stats.FirstMoments[0].data<double>().ToArray(), new ToleranceComparer(1e-12));
        Assert.Equal(b.sum(dim: 0).data<double>().ToArray(), stats.FirstMoments[1].data<double>().ToArray(), new ToleranceComparer(1e-12));
        Assert.Equal(a.square().sum(dim: 0).data<double>().ToArray(), stats.SecondMoments[0].data<double>().ToArray(), new ToleranceComparer(1e-12));
        Assert.Equal(new[] { 70.0, 90.0 }, stats.ResponsibilitySums.data<double>().ToArray(), new ToleranceComparer(1e-12));
    }

    private sealed class ToleranceComparer(double relative) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= relative * Math.Max(1, Math.Max(Math.Abs(x), Math.Abs(y)));

        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public void GaussianMixtureFitsOnTheFusedPathAsOnTheTensorPath()
    {
        // The fused E-step serves Fit; FitPredict's final E-step (labels) and Predict use the tensor path. Both see the
        // same parameters, so the labels of Fit's model and the ones FitPredict returns must agree.
        var data = MixtureTestData.ThreeBlobs(perCluster: 200, seed: 5);
        var options = new GaussianMixtureOptions { Components = 3, Covariance = CovarianceType.Diagonal, Seed = 3, Precision = FloatPrecision.Float32 };
        using var model = new GaussianMixture(options).Fit(data);
        var (again, labels) = new GaussianMixture(options).FitPredict(data);
        using (again)
        {
            Assert.Equal(model.Predict(data), labels);
            Assert.Equal(model.Summary.Iterations, again.Summary.Iterations);
        }
    }

    [Fact]
    public void FusedFitsAgreeAcrossChunkSizesAndWorkers()
    {
        // 12,000 rows: the default takes them in one chunk split across workers; 2,500-row chunks are not split.
        var data = MixtureTestData.Blobs(new[] { new[] { 0.0, 0, 0 }, new[] { 6.0, 0, 1 }, new[] { 0.0, 7, -2 }, new[] { 5.0, 5, 5 } }, 3000, 1.0, seed: 9);
        var options = new GaussianMixtureOptions { Components = 4, Covariance = CovarianceType.Diagonal, Seed = 2, Precision = FloatPrecision.Float64, Tolerance = 0, MaxIterations = 15 };
        using var whole = new GaussianMixture(options).Fit(data);
        using var chunked = new GaussianMixture(options with { ChunkSize = 2500 }).Fit(data);
        Assert.Equal(whole.Summary.ObjectiveHistory.Count, chunked.Summary.ObjectiveHistory.Count);
        for (int i = 0; i < whole.Summary.ObjectiveHistory.Count; i++)
            Assert.Equal(whole.Summary.ObjectiveHistory[i], chunked.Summary.ObjectiveHistory[i], 1e-10);
        Assert.Equal(whole.Predict(data), chunked.Predict(data));
    }
}
