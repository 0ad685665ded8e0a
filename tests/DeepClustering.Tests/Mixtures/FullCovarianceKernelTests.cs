using DeepClustering.Mixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Mixtures;

/// <summary>
/// The CPU full-covariance kernels of the E- and M-steps against the same quantities written as plain tensor algebra
/// in double, for widths that are and are not whole vectors, odd row counts, triangular and dense factors, and both
/// working dtypes.
/// </summary>
public class FullCovarianceKernelTests
{
    public static TheoryData<int, int, int, bool> Shapes => new()
    {
        // rows, features, components, upper-triangular factors
        { 7, 1, 2, true },
        { 9, 5, 3, true },
        { 33, 13, 4, false },
        { 64, 32, 2, true },
        { 65, 37, 3, false },
        { 130, 40, 2, true },
        { 70, 256, 3, true },
        { 20, 100, 2, false },
    };

    private static Tensor Factors(int k, int d, bool upper, Generator g)
    {
        var a = randn(new long[] { k, d, d }, dtype: ScalarType.Float64, generator: g) * 0.3 + eye(d, dtype: ScalarType.Float64) * 1.5;
        return upper ? a.triu() : a;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void LogDensityMatchesTheNormOfTheWhitenedResiduals(int n, int d, int k, bool upper)
    {
        if (!FullCovarianceKernel.Supports(1)) return; // the tensor path is then the only one, covered elsewhere
        using var scope = NewDisposeScope();
        var g = new Generator(seed: (ulong)(n * 31 + d));
        var x = randn(new long[] { n, d }, dtype: ScalarType.Float64, generator: g);
        var f = Factors(k, d, upper, g);
        var mu = randn(new long[] { k, d }, dtype: ScalarType.Float64, generator: g);
        var constant = randn(new long[] { k }, dtype: ScalarType.Float64, generator: g);
        // Expected: c_k − ½‖(x − μ_k)ᵀ F_k‖², in double.
        var y = (x.unsqueeze(1) - mu.unsqueeze(0)).unsqueeze(2).matmul(f.unsqueeze(0)).squeeze(2); // n x K x D
        var expected = constant.unsqueeze(0) - 0.5 * y.square().sum(dim: 2);
        var bias = -mu.unsqueeze(1).bmm(f).squeeze(1);
        // The rows sit inside wider rows (the [x, 1] layout of a chunk): stride D + 1.
        var augmented = cat(new[] { x, ones(n, 1, dtype: ScalarType.Float64) }, 1);
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        {
            var actual = dtype == ScalarType.Float64
                ? Run<double>(augmented, d, f, bias, constant, upper, dtype)
                : Run<float>(augmented, d, f, bias, constant, upper, dtype);
            double tolerance = dtype == ScalarType.Float64 ? 1e-10 : 2e-4;
            var error = (actual.to(ScalarType.Float64) - expected).abs() / (expected.abs() + 1);
            Assert.True(error.max().item<double>() < tolerance, $"{dtype}: relative error {error.max().item<double>():E2}");
        }
    }

    private static Tensor Run<T>(Tensor augmented, int d, Tensor f, Tensor bias, Tensor constant, bool upper, ScalarType dtype)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        int k = (int)f.shape[0], width = FullCovarianceKernel.PaddedWidth<T>(d);
        var pad = new long[] { 0, width - d };
        var fp = nn.functional.pad(f, pad).to(dtype).contiguous();
        var bp = nn.functional.pad(bias, pad).to(dtype).contiguous();
        var rows = augmented.to(dtype).contiguous();
        var output = full(rows.shape[0], k, double.NaN, dtype: dtype);
        FullCovarianceKernel.LogDensity(LloydKernel.Span<T>(rows), d + 1, d, LloydKernel.Span<T>(fp), width, LloydKernel.Span<T>(bp),
            LloydKernel.Span<T>(constant.to(dtype).contiguous()), upper, LloydKernel.Span<T>(output));
        return output;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ScatterMatchesTheWeightedOuterProducts(int n, int d, int k, bool withReference)
    {
        if (!FullCovarianceKernel.Supports(1)) return;
        using var scope = NewDisposeScope();
        var g = new Generator(seed: (ulong)(n * 17 + d));
        var x = randn(new long[] { n, d }, dtype: ScalarType.Float64, generator: g) + 3;
        var r = softmax(randn(new long[] { n, k }, dtype: ScalarType.Float64, generator: g) * 2, 1);
        r[0, 0] = 0; // rows with zero weight are part of every real pass
        var reference = withReference ? randn(new long[] { k, d }, dtype: ScalarType.Float64, generator: g) + 3 : zeros(k, d, dtype: ScalarType.Float64);
        var e = x.unsqueeze(0) - reference.unsqueeze(1);                       // K x n x D
        var rt = r.t().unsqueeze(2);
        var expectedFirst = (rt * e).sum(dim: 1);
        var expectedSecond = (rt * e).transpose(1, 2).bmm(e);
        var augmented = cat(new[] { x, ones(n, 1, dtype: ScalarType.Float64) }, 1);
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        {
            // Accumulators start non-zero: the kernel adds to them.
            var first = ones(k, d, dtype: ScalarType.Float64);
            var second = ones(k, d, d, dtype: ScalarType.Float64);
            var rows = augmented.to(dtype).contiguous();
            var rw = r.to(dtype).contiguous();
            var refw = reference.to(dtype).contiguous();
            if (dtype == ScalarType.Float64)
                FullCovarianceKernel.AddScatter(LloydKernel.Span<double>(rows), d + 1, d, LloydKernel.Span<double>(rw),
                    withReference ? LloydKernel.Span<double>(refw) : ReadOnlySpan<double>.Empty, LloydKernel.Span<double>(first), LloydKernel.Span<double>(second));
            else
                FullCovarianceKernel.AddScatter(LloydKernel.Span<float>(rows), d + 1, d, LloydKernel.Span<float>(rw),
                    withReference ? LloydKernel.Span<float>(refw) : ReadOnlySpan<float>.Empty, LloydKernel.Span<double>(first), LloydKernel.Span<double>(second));
            double tolerance = dtype == ScalarType.Float64 ? 1e-10 : 1e-4;
            double scale = expectedSecond.abs().max().item<double>();
            Assert.True(((first - 1) - expectedFirst).abs().max().item<double>() < tolerance * scale, $"{dtype}: first moments");
            Assert.True(((second - 1) - expectedSecond).abs().max().item<double>() < tolerance * scale, $"{dtype}: second moments");
            Assert.True((second - second.transpose(1, 2)).abs().max().item<double>() == 0, $"{dtype}: symmetric");
        }
    }

    [Theory]
    [InlineData(CovarianceType.Full, true, 11)]
    [InlineData(CovarianceType.Full, false, 11)]
    [InlineData(CovarianceType.Tied, true, 11)]
    [InlineData(CovarianceType.Full, true, FullCovarianceKernel.MaxFeatures + 3)] // wider: the tensor path
    public void PreparedDensityMatchesTheFormulaForEveryFactorShape(CovarianceType type, bool upper, int d)
    {
        // Factors from an M-step are upper triangular (scikit-learn's layout); a user's InitialPrecisions give lower
        // ones (a Cholesky factor of the precision), which take the kernel's dense path.
        using var scope = NewDisposeScope();
        var g = new Generator(seed: 11);
        int n = 41, k = 3;
        var x = randn(new long[] { n, d }, dtype: ScalarType.Float64, generator: g);
        var f = Factors(type == CovarianceType.Tied ? 1 : k, d, upper, g);
        if (!upper) f = f.tril();
        var mu = randn(new long[] { k, d }, dtype: ScalarType.Float64, generator: g);
        var logWeights = tensor(new[] { -0.5, -1.0, -2.0 }, dtype: ScalarType.Float64);
        var fk = f.expand(k, d, d);
        var y = (x.unsqueeze(1) - mu.unsqueeze(0)).unsqueeze(2).matmul(fk.unsqueeze(0)).squeeze(2);
        var logDet = fk.diagonal(0, 1, 2).abs().log().sum(dim: 1);
        var expected = logWeights + logDet - 0.5 * d * Math.Log(2 * Math.PI) - 0.5 * y.square().sum(dim: 2);
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        {
            using var density = GaussianLogDensity.Create(type, mu, type == CovarianceType.Tied ? f[0] : f, logWeights, dtype);
            var actual = density.Evaluate(GaussianMath.Augment(type, x.to(dtype)));
            Assert.Equal(new long[] { n, k }, actual.shape);
            double tolerance = dtype == ScalarType.Float64 ? 1e-10 : 2e-4;
            var error = (actual.to(ScalarType.Float64) - expected).abs() / (expected.abs() + 1);
            Assert.True(error.max().item<double>() < tolerance, $"{dtype}: relative error {error.max().item<double>():E2}");
        }
    }

    [Fact]
    public void ScatterSkipsOnlyResponsibilitiesAtTheEStepFloor()
    {
        // One component, two rows: the second is far away (1e16) with a weight at the float32 E-step's floor
        // (e^−80, zero in effect), then with a small but measured weight (1e-33), which must still count.
        if (!FullCovarianceKernel.Supports(1)) return;
        float[] rows = { 0f, 1f, 1e16f, 1f };                  // [x, 1] rows, D = 1
        foreach (var (weight, expected) in new[] { (MathF.Exp(-80f), 0.0), (1e-33f, 1e-33 * 1e32) })
        {
            var first = new double[1];
            var second = new double[1];
            FullCovarianceKernel.AddScatter<float>(rows, 2, 1, new[] { 1f, weight }, ReadOnlySpan<float>.Empty, first, second);
            Assert.Equal(expected, second[0], expected * 1e-5);
            Assert.Equal(weight == 1e-33f ? 1e-33 * 1e16 : 0.0, first[0], 1e-5 * Math.Abs(first[0]) + 1e-300);
        }
    }
}
