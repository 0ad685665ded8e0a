using DeepClustering.Models;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Models;

/// <summary>The E-step, the M-step loss and the extra objectives of NeuralMixtureEM as pure functions.</summary>
public class NeuralMixtureEmStepsTests
{
    private static Tensor LogPi(params double[] pi) => tensor(pi.Select(p => (float)Math.Log(p)).ToArray());

    [Fact]
    public void EStepIsTheNormalisedWeightedDensityAndCarriesNoGradient()
    {
        using var scope = NewDisposeScope();
        var logF = tensor(new float[] { 0.5f, -1f, 2f, 0f, 0f, -3f }).reshape(2, 3).requires_grad_();
        var logPi = LogPi(0.2, 0.3, 0.5);
        var gamma = NeuralMixtureEmSteps.EStep(logF, logPi);
        Assert.False(gamma.requires_grad);
        var g = gamma.data<float>().ToArray();
        double[] pi = { 0.2, 0.3, 0.5 };
        var f = new[] { 0.5, -1, 2, 0, 0, -3 };
        for (int i = 0; i < 2; i++)
        {
            double z = 0;
            for (int k = 0; k < 3; k++) z += pi[k] * Math.Exp(f[i * 3 + k]);
            for (int k = 0; k < 3; k++) Assert.Equal(pi[k] * Math.Exp(f[i * 3 + k]) / z, g[i * 3 + k], 5);
        }
    }

    [Fact]
    public void MStepLossIsTheNegatedExpectedCompleteLogLikelihoodWithGradientOnlyInTheDensities()
    {
        using var scope = NewDisposeScope();
        var logF = tensor(new float[] { -0.5f, -2f, -1f, -0.1f }).reshape(2, 2).requires_grad_();
        var logPi = LogPi(0.4, 0.6).requires_grad_();
        var gamma = tensor(new float[] { 0.9f, 0.1f, 0.3f, 0.7f }).reshape(2, 2);
        var loss = NeuralMixtureEmSteps.MStepLoss(logF, gamma, logPi);
        double expected = -(0.9 * (Math.Log(0.4) - 0.5) + 0.1 * (Math.Log(0.6) - 2) + 0.3 * (Math.Log(0.4) - 1) + 0.7 * (Math.Log(0.6) - 0.1)) / 2;
        Assert.Equal(expected, loss.item<float>(), 5);
        loss.backward();
        // d/d log f = −γ / B; π is a constant of the gradient step (it has its own closed-form M-step).
        Assert.Equal(new[] { -0.45f, -0.05f, -0.15f, -0.35f }, logF.grad!.data<float>().ToArray().Select(v => MathF.Round(v, 5)));
        Assert.True(logPi.grad is null || logPi.grad.abs().sum().item<float>() == 0);
    }

    [Fact]
    public void MixingUpdateIsARunningAverageOfTheResponsibilitiesWithAFloor()
    {
        using var scope = NewDisposeScope();
        var logPi = LogPi(0.25, 0.25, 0.25, 0.25);
        var gamma = tensor(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0 }).reshape(4, 4); // mean (0.5, 0.5, 0, 0)
        NeuralMixtureEmSteps.UpdateMixing(logPi, gamma, rate: 0.5, floor: 0);
        var pi = logPi.exp().data<float>().ToArray();
        Assert.Equal(new[] { 0.375, 0.375, 0.125, 0.125 }, pi.Select(p => Math.Round(p, 5)));
        // Repeated updates drive the empty clusters towards zero; the floor (before renormalising) keeps them near floor/K.
        for (int i = 0; i < 50; i++) NeuralMixtureEmSteps.UpdateMixing(logPi, gamma, rate: 0.5, floor: 0.2);
        pi = logPi.exp().data<float>().ToArray();
        Assert.Equal(1.0, pi.Sum(), 5);
        Assert.All(pi.Skip(2), p => Assert.InRange(p, 0.2 / 4 * 0.9, 0.2 / 4 * 1.1));
        Assert.True(pi[0] > 0.4 && Math.Abs(pi[0] - pi[1]) < 1e-5);
    }

    [Fact]
    public void BalanceLossIsZeroWhenEvenAndLogKWhenEveryRowIsInOneCluster()
    {
        using var scope = NewDisposeScope();
        var even = tensor(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }).reshape(3, 3);
        Assert.Equal(0, NeuralMixtureEmSteps.BalanceLoss(even).item<float>(), 5);
        var collapsed = tensor(new float[] { 1, 0, 0, 1, 0, 0, 1, 0, 0 }).reshape(3, 3);
        Assert.Equal(Math.Log(3), NeuralMixtureEmSteps.BalanceLoss(collapsed).item<float>(), 5);
        var soft = full(3, 3, 1f / 3);
        Assert.Equal(0, NeuralMixtureEmSteps.BalanceLoss(soft).item<float>(), 5);
    }

    [Fact]
    public void ConsistencyLossRewardsConfidentAgreementOnly()
    {
        using var scope = NewDisposeScope();
        Tensor Log(float[] p) => tensor(p).reshape(1, p.Length).clamp_min(1e-30f).log();
        Assert.Equal(0, NeuralMixtureEmSteps.ConsistencyLoss(Log(new[] { 1f, 0, 0 }), Log(new[] { 1f, 0, 0 })).item<float>(), 5);
        Assert.Equal(Math.Log(3), NeuralMixtureEmSteps.ConsistencyLoss(Log(new[] { 1 / 3f, 1 / 3f, 1 / 3f }), Log(new[] { 1f, 0, 0 })).item<float>(), 4);
        Assert.True(NeuralMixtureEmSteps.ConsistencyLoss(Log(new[] { 1f, 0, 0 }), Log(new[] { 0f, 1, 0 })).item<float>() > 20);
    }

    [Fact]
    public void LogLikelihoodIsTheLogOfTheMixtureDensity()
    {
        using var scope = NewDisposeScope();
        var logF = tensor(new float[] { 0.3f, -0.7f }).reshape(1, 2);
        var ll = NeuralMixtureEmSteps.LogLikelihood(logF, LogPi(0.25, 0.75)).item<float>();
        Assert.Equal(Math.Log(0.25 * Math.Exp(0.3) + 0.75 * Math.Exp(-0.7)), ll, 5);
    }
}
