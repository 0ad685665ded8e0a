using DeepClustering.Models;
using DeepClustering.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Models;

public class ClusteringModuleLossTests
{
    /// <summary>Random codes, soft assignments and centroids in float64 from a fixed generator.</summary>
    private static (Tensor Z, Tensor Gamma, Tensor U) Sample(int b = 37, int k = 5, int d = 4, ulong seed = 3)
    {
        using var g = new Generator(seed, CPU);
        var z = empty(b, d, ScalarType.Float64).normal_(0, 2, g);
        var gamma = empty(b, k, ScalarType.Float64).normal_(0, 3, g).softmax(1);
        var u = empty(k, d, ScalarType.Float64).normal_(0, 1.5, g);
        return (z, gamma, u);
    }

    /// <summary>Σ_i Σ_k γ_ik ‖z_i − μ_k‖² with plain loops in double.</summary>
    private static double LoopDistortion(Tensor z, Tensor gamma, Tensor u)
    {
        var zz = z.data<double>().ToArray();
        var gg = gamma.data<double>().ToArray();
        var uu = u.data<double>().ToArray();
        int b = (int)z.shape[0], d = (int)z.shape[1], k = (int)u.shape[0];
        double total = 0;
        for (int i = 0; i < b; i++)
            for (int c = 0; c < k; c++)
            {
                double dist = 0;
                for (int j = 0; j < d; j++) { double v = zz[i * d + j] - uu[c * d + j]; dist += v * v; }
                total += gg[i * k + c] * dist;
            }
        return total;
    }

    [Theory]
    [InlineData(37, 5, 4, 3ul)]
    [InlineData(8, 10, 10, 4ul)]
    [InlineData(200, 3, 30, 5ul)]
    public void FirstThreeTermsEqualTheSoftKMeansDistortion(int b, int k, int d, ulong seed)
    {
        var (z, gamma, u) = Sample(b, k, d, seed);
        using (z) using (gamma) using (u)
        {
            using var scope = NewDisposeScope();
            double e1 = ClusteringModuleLoss.CodeReconstruction(z, gamma, u).item<double>();
            double e2 = ClusteringModuleLoss.Sparsity(gamma, u).item<double>();
            double e3 = ClusteringModuleLoss.Coupling(gamma, u).item<double>();
            double expected = LoopDistortion(z, gamma, u);
            Assert.Equal(expected, e1 + e2 + e3, expected * 1e-10);
            Assert.Equal(expected, ClusteringModuleLoss.Distortion(z, gamma, u).item<double>(), expected * 1e-10);
            // E2 and E3 are not zero on their own: the identity is not trivial.
            Assert.True(Math.Abs(e2) > 1e-3 && Math.Abs(e3) > 1e-3, $"E2 {e2}, E3 {e3}");
        }
    }

    [Fact]
    public void WithOneHotAssignmentsE2AndE3VanishAndE1IsTheKMeansInertia()
    {
        var (z, soft, u) = Sample(20, 4, 3, 9);
        using (z) using (soft) using (u)
        {
            using var scope = NewDisposeScope();
            var labels = ClusteringModuleLoss.SquaredDistances(z, u).argmin(1);
            var hard = nn.functional.one_hot(labels, 4).to(ScalarType.Float64);
            Assert.Equal(0, ClusteringModuleLoss.Sparsity(hard, u).item<double>(), 12);
            Assert.Equal(0, ClusteringModuleLoss.Coupling(hard, u).item<double>(), 12);
            double inertia = ClusteringModuleLoss.SquaredDistances(z, u).min(1).values.sum().item<double>();
            Assert.Equal(inertia, ClusteringModuleLoss.CodeReconstruction(z, hard, u).item<double>(), inertia * 1e-10);
        }
    }

    [Fact]
    public void OrthonormalityPenaltyIsZeroOnlyForOrthonormalCentroids()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(5, CPU);
        var (q, _) = linalg.qr(empty(6, 6, ScalarType.Float64).normal_(0, 1, g));
        var orthonormal = q.narrow(0, 0, 4); // 4 orthonormal rows in 6-d
        Assert.Equal(0, ClusteringModuleLoss.Orthonormality(orthonormal).item<double>(), 10);
        Assert.Equal(0, ClusteringModuleLoss.Orthonormality(orthonormal, squared: false).item<double>(), 10);
        var scaled = orthonormal * 2; // UUᵀ = 4I: squared penalty 4 x 3², L1 4 x 3
        Assert.Equal(36, ClusteringModuleLoss.Orthonormality(scaled).item<double>(), 8);
        Assert.Equal(12, ClusteringModuleLoss.Orthonormality(scaled, squared: false).item<double>(), 8);
    }

    [Fact]
    public void DirichletPriorFavoursBalancedClustersForAlphaAboveOne()
    {
        using var scope = NewDisposeScope();
        var balanced = tensor(new double[] { 0.5, 0.5, 0.5, 0.5 }).reshape(2, 2);
        var skewed = tensor(new double[] { 0.9, 0.1, 0.9, 0.1 }).reshape(2, 2);
        Assert.Equal(0, ClusteringModuleLoss.DirichletPrior(skewed, 1.0).item<double>(), 12);
        double b = ClusteringModuleLoss.DirichletPrior(balanced, 2.0).item<double>();
        double s = ClusteringModuleLoss.DirichletPrior(skewed, 2.0).item<double>();
        Assert.Equal(-2 * Math.Log(0.5), b, 6);
        Assert.True(b < s, $"balanced {b} should be below skewed {s}");
        // An empty cluster stays finite thanks to the 1e-10 floor.
        var empty = tensor(new double[] { 1, 0, 1, 0 }).reshape(2, 2);
        Assert.True(double.IsFinite(ClusteringModuleLoss.DirichletPrior(empty, 2.0).item<double>()));
    }

    [Fact]
    public void PseudoInverseInitialisationAssignsEachCentroidToItsOwnCluster()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(2, CPU);
        using var layer = new ClusteringModuleLayer(5, 5, g);
        var centres = empty(5, 5).normal_(0, 3, g);
        layer.SetFromCentroids(centres);
        using (no_grad())
        {
            Assert.True(layer.Centroids.allclose(centres));
            // Logits of the centres are U pinv(U) = I, so centre k goes to cluster k.
            var logits = layer.Logits(centres);
            Assert.True(logits.allclose(eye(5), rtol: 0, atol: 1e-3));
            Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, logits.argmax(1).data<long>().ToArray());
            var gamma = layer.Assignments(centres);
            Assert.True(gamma.sum(dim: 1).allclose(ones(5)));
        }
        Assert.Throws<ArgumentException>(() => layer.SetFromCentroids(zeros(4, 5)));
    }
}
