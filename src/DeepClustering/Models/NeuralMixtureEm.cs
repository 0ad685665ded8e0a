using DeepClustering.Training;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// NeuralMixtureEM (Tissera et al., "Neural Mixture Models with Expectation-Maximization for End-to-end Deep
/// Clustering", arXiv 2107.02453): a network whose K last-layer neurons, after an equal-mass normalisation, are the
/// cluster densities f_k (<see cref="NeuralMixtureEmHead"/>, <see cref="DensityNormalization"/>), so the network
/// weights are the mixture's distribution parameters, trained end to end by batch-wise EM. Per batch
/// (<see cref="NeuralMixtureEmSteps"/>):
/// <list type="number">
/// <item>E-step: forward pass without gradients on the clean rows, responsibilities
///   <c>γ ∝ (π_k f_k(x))^(1/T)</c> (<see cref="NeuralMixtureEmOptions.EStepTemperature"/>);</item>
/// <item>forward pass with gradients on two random views of the rows (<see cref="Augmentation"/>);</item>
/// <item>M-step: back-propagate <c>EmWeight·(−Q) + ConsistencyWeight·L_cons + BalanceWeight·KL(p̄ ‖ uniform)</c>,
///   where −Q is the negated expected complete-data log-likelihood of the views under γ, L_cons asks both views of a
///   row for the same confident cluster, and the balance term spreads each batch over the clusters; with
///   <see cref="NeuralMixtureEmOptions.LearnMixingWeights"/>, π follows γ in closed form.</item>
/// </list>
/// With <see cref="NeuralMixtureEmOptions.ConsistencyWeight"/> = 0 and <see cref="NeuralMixtureEmOptions.Augment"/>
/// off the model is pure neural EM on the rows themselves. The backbone is the encoder of the shared autoencoder
/// toolkit (MLP, or the small convolutional network for images; the decoder is unused); it learns from scratch by
/// default. With a pretrained autoencoder (<see cref="DeepClusteringOptions.PretrainEpochs"/> &gt; 0 or
/// <see cref="DeepClusteringOptions.PretrainedAutoencoder"/>) the neurons start from k-means centres of its codes.
/// Prediction is the posterior <c>p(k | x) ∝ π_k f_k(x)</c> of the clean row.
/// </summary>
/// <example>
/// <code>
/// var mnist = EmbeddedDatasets.Load("mnist-test");
/// var options = new NeuralMixtureEmOptions
/// {
///     Clusters = 10, Network = NetworkKind.Convolutional, HiddenSizes = new[] { 16, 32, 64 }, Seed = 0,
/// };
/// using var model = new NeuralMixtureEm(options).Fit(mnist);
/// int[] labels = model.Predict(mnist);
/// </code>
/// </example>
public sealed class NeuralMixtureEm : DeepClusteringEstimatorBase<NeuralMixtureEmOptions, NeuralMixtureEmHead, NeuralMixtureEmModel>
{
    /// <summary>Name of the M-step term (−Q per row) in progress reports.</summary>
    public const string EmTerm = "em";

    /// <summary>Name of the consistency term in progress reports.</summary>
    public const string ConsistencyTerm = "consistency";

    /// <summary>Name of the balance term in progress reports.</summary>
    public const string BalanceTerm = "balance";

    /// <summary>Name of the mean mixture log-likelihood of the clean rows (before the step) in progress reports.</summary>
    public const string LogLikelihoodTerm = "logLikelihood";

    /// <summary>Creates the estimator; options are validated by <c>Fit</c>.</summary>
    public NeuralMixtureEm(NeuralMixtureEmOptions options, ILogger? logger = null) : base(options, logger) { }

    /// <inheritdoc />
    protected override string CollapseAdvice => "raise BalanceWeight, keep Augment on with ConsistencyWeight > 0, or lower LearningRate";

    /// <inheritdoc />
    protected override NeuralMixtureEmHead CreateHead(DeepTrainingContext context) =>
        new(context.LatentSize, context.Clusters, Options.Normalization, Options.Temperature, context.Random.Generator);

    /// <summary>k-means on the codes when the network was pretrained as an autoencoder; none from scratch (random codes carry no clusters).</summary>
    protected override InitialClusteringSettings? GetInitialClustering(NeuralMixtureEmOptions options) =>
        options.PretrainEpochs > 0 || options.PretrainedAutoencoder is not null ? base.GetInitialClustering(options) : null;

    /// <summary>Points each neuron at a k-means centre of the pretrained codes.</summary>
    protected override void Initialize(DeepTrainingContext context, NeuralMixtureEmHead head, InitialClusteringResult? initial)
    {
        if (initial is not null) head.SetWeights(initial.Means);
    }

    /// <inheritdoc />
    protected override DeepLoss ComputeLoss(DeepTrainingContext context, NeuralMixtureEmHead head, DeepBatch batch)
    {
        var options = Options;
        var network = context.Network;
        var x = batch.Inputs;
        int rows = batch.Size;

        // Forward passes: the clean rows (for the E-step) and, with gradients, the rows being fitted: two random views
        // of each row in one batched pass, or the rows themselves (then one pass serves both steps).
        Tensor clean, logDensities;
        int viewCount = options.Augment ? 2 : 1;
        if (options.Augment)
        {
            using (no_grad()) clean = head.BatchLogDensities(head.Codes(network, x), updateRunningMass: true);
            var views = cat(new[]
            {
                Augmentation.View(x, context.Image, options.Augmentation, context.Random),
                Augmentation.View(x, context.Image, options.Augmentation, context.Random),
            }, 0);
            logDensities = head.BatchLogDensities(head.Codes(network, views), updateRunningMass: false);
        }
        else
        {
            clean = logDensities = head.BatchLogDensities(head.Codes(network, x), updateRunningMass: true);
        }

        // E-step on the rows themselves: (tempered) responsibilities, no gradients.
        var gamma = NeuralMixtureEmSteps.EStep(clean, head.LogMixing, options.EStepTemperature);
        Tensor logLikelihood;
        using (no_grad()) logLikelihood = NeuralMixtureEmSteps.LogLikelihood(clean.detach(), head.LogMixing).mean();
        var logPosterior = head.LogPosterior(logDensities);

        // M-step loss on the responsibilities, averaged over the views.
        var em = NeuralMixtureEmSteps.MStepLoss(logDensities, viewCount == 1 ? gamma : gamma.repeat(viewCount, 1), head.LogMixing);
        var balance = NeuralMixtureEmSteps.BalanceLoss(logPosterior.exp());
        var total = em.mul(options.EmWeight) + balance.mul(options.BalanceWeight);
        var terms = new List<(string, Tensor)> { (EmTerm, em), (BalanceTerm, balance), (LogLikelihoodTerm, logLikelihood) };
        if (viewCount == 2)
        {
            var consistency = NeuralMixtureEmSteps.ConsistencyLoss(logPosterior.narrow(0, 0, rows), logPosterior.narrow(0, rows, rows));
            terms.Add((ConsistencyTerm, consistency));
            if (options.ConsistencyWeight > 0) total = total + consistency.mul(options.ConsistencyWeight);
        }

        // Closed-form M-step of the mixing weights (when they are learned).
        if (options.LearnMixingWeights && batch.Epoch >= options.UniformMixingEpochs)
            NeuralMixtureEmSteps.UpdateMixing(head.LogMixing, gamma, options.MixingRate, options.MixingFloor);

        return new DeepLoss(total, terms.ToArray()) { Probabilities = gamma };
    }

    /// <inheritdoc />
    protected override NeuralMixtureEmModel CreateModel(DeepModelParts parts, NeuralMixtureEmHead head) => new(parts, head);
}
