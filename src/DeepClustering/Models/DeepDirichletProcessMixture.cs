using System.Runtime.CompilerServices;
using DeepClustering.Mixtures;
using DeepClustering.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// Deep clustering that learns the number of clusters (after Lim, arXiv 2412.08940; the formulation is our
/// reconstruction, see remarks): a truncated stick-breaking Dirichlet-process Gaussian mixture in the latent space
/// of an autoencoder, trained jointly with the network through a closed-form α-Jensen–Shannon clustering loss.
/// Only a truncation level T (<see cref="DeepClusteringOptions.Clusters"/>) is needed; components that lose their
/// weight are pruned during training and <see cref="DeepDirichletProcessMixtureModel.EffectiveClusters"/> reports
/// how many remain (also in every progress report).
/// </summary>
/// <remarks>
/// Steps: pretrain the autoencoder (or reuse one); fit the variational DP-GMM of
/// <see cref="DirichletProcessGaussianMixture"/> (full covariances, k-means start with T clusters, posterior coarsened
/// to <see cref="DeepDirichletProcessMixtureOptions.EffectiveSampleSize"/> rows) to the codes and prune components
/// with weight below <see cref="DeepDirichletProcessMixtureOptions.PruneThreshold"/>; then every epoch (1) re-fit the
/// mixture to the current codes, warm-started from the previous fit's responsibilities, and prune again; (2) train
/// the network on mini-batches with
/// <c>L = MSE(x, x̂) + λ_c · (1/B) Σ_i Σ_t r_it · JS_α(N(z_i, ρ S̄) ‖ N(μ_t, Σ_t)) / d</c>, where r are the
/// mixture's variational responsibilities of the (detached) codes over the active components, μ_t, Σ_t its posterior
/// means and expected covariances, and S̄ their weight-averaged covariance. After the last epoch the mixture is re-fitted
/// once more; prediction is its E-step over the active components.
/// <para>
/// Choices that are ours, not the paper's (whose equations we could not read): a deterministic encoder whose codes
/// get the spread ρ·S̄ (instead of a VAE's per-code variances); full covariances in latent space (diagonal ones split
/// MNIST's digit classes into many more components); the responsibilities held fixed inside the loss (so the DP prior
/// acts through the E-step's expected log-weights; the optional <see cref="DeepDirichletProcessMixtureOptions.PriorWeight"/>
/// term is off by default because it collapses the mixture); scikit-learn's data-derived priors re-derived from the
/// codes at every re-fit; and the coarsened posterior (Miller and Dunson 2019): with thousands of codes the exact
/// posterior keeps splitting clusters that are not exactly Gaussian into several components, and the truncation level
/// is then what decides K.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var options = new DeepDirichletProcessMixtureOptions { Clusters = 30, Seed = 0 };   // truncation level, not K
/// using var model = new DeepDirichletProcessMixture(options).Fit(mnist);
/// Console.WriteLine($"{model.EffectiveClusters} clusters");
/// </code>
/// </example>
public sealed class DeepDirichletProcessMixture
    : DeepClusteringEstimatorBase<DeepDirichletProcessMixtureOptions, DeepDirichletProcessHead, DeepDirichletProcessMixtureModel>
{
    // Per-fit state, keyed by the fit's context (the estimator itself stays stateless, so fits may run concurrently).
    private readonly ConditionalWeakTable<DeepTrainingContext, FitState> states = new();

    /// <summary>Creates the estimator; options are validated by <c>Fit</c>.</summary>
    public DeepDirichletProcessMixture(DeepDirichletProcessMixtureOptions options, ILogger? logger = null) : base(options, logger) { }

    /// <summary>Creates the estimator with default options and truncation level <paramref name="truncation"/>.</summary>
    public DeepDirichletProcessMixture(int truncation = DeepDirichletProcessMixtureOptions.DefaultTruncation)
        : this(new DeepDirichletProcessMixtureOptions { Clusters = truncation }) { }

    /// <inheritdoc />
    protected override string CollapseAdvice =>
        "raise WeightConcentrationPrior (now " + (Options.WeightConcentrationPrior?.ToString("G3", System.Globalization.CultureInfo.InvariantCulture) ?? "1/T") +
        ") or lower ClusteringWeight or LearningRate";

    /// <inheritdoc />
    protected override DeepDirichletProcessHead CreateHead(DeepTrainingContext context) => new(context.LatentSize, context.Clusters);

    /// <summary>None from the pipeline: the latent DP mixture is fitted in <see cref="Initialize"/>.</summary>
    protected override InitialClusteringSettings? GetInitialClustering(DeepDirichletProcessMixtureOptions options) => null;

    /// <inheritdoc />
    protected override void Initialize(DeepTrainingContext context, DeepDirichletProcessHead head, InitialClusteringResult? initial)
    {
        var state = new FitState();
        states.AddOrUpdate(context, state);
        Refit(context, head, state, initial: true);
        if (context.TotalEpochs == 0) Finish(context, head, state);
    }

    /// <summary>Re-fits the latent mixture to the current codes and prunes (no gradients).</summary>
    protected override void BeginEpoch(DeepTrainingContext context, DeepDirichletProcessHead head, int epoch)
    {
        // Epoch 0 uses the initial fit, made on the same codes.
        if (epoch > 0) Refit(context, head, State(context), initial: false);
    }

    /// <inheritdoc />
    protected override DeepLoss ComputeLoss(DeepTrainingContext context, DeepDirichletProcessHead head, DeepBatch batch)
    {
        var options = Options;
        var x = batch.Inputs;
        var z = head.Codes(context.Network, x);
        var reconstruction = head.Reconstruction(context.Network, x, z);
        var rec = nn.functional.mse_loss(reconstruction, x);
        var rGrad = head.LogResponsibilities(z).exp();                               // B x T, with gradients
        var r = rGrad.detach();
        var js = Divergence(head, z, options);                                       // B x T
        var clustering = (r * js).sum(1).mean() / z.shape[1];
        var prior = -(rGrad * head.LogWeights.unsqueeze(0)).sum(1).mean();
        var total = rec + options.ClusteringWeight * clustering + options.PriorWeight * prior;
        return new DeepLoss(total, (ReconstructionTerm, rec), (ClusteringTerm, clustering), (PriorTerm, prior)) { Probabilities = r };
    }

    /// <summary>After the last epoch, a final re-fit on the final codes and the failure-mode checks.</summary>
    protected override bool EndEpoch(DeepTrainingContext context, DeepDirichletProcessHead head, DeepEpochResult result)
    {
        if (result.Epoch == context.TotalEpochs - 1)
        {
            var state = State(context);
            using (no_grad()) Refit(context, head, state, initial: false);
            Finish(context, head, state);
        }
        return false;
    }

    /// <inheritdoc />
    protected override int? GetEffectiveClusters(DeepDirichletProcessHead head) => head.EffectiveClusters;

    /// <inheritdoc />
    protected override DeepDirichletProcessMixtureModel CreateModel(DeepModelParts parts, DeepDirichletProcessHead head) => new(parts, head);

    /// <summary>Name of the reconstruction term in progress reports.</summary>
    public const string ReconstructionTerm = "reconstruction";

    /// <summary>Name of the clustering (α-Jensen–Shannon) term in progress reports.</summary>
    public const string ClusteringTerm = "clustering";

    /// <summary>Name of the Dirichlet-process prior term in progress reports.</summary>
    public const string PriorTerm = "prior";

    /// <summary>
    /// JS_α between each code, as N(z, ρ S̄), and every component N(μ_t, Σ_t) of the head (B x T, differentiable in z);
    /// S̄ is the weight-averaged covariance of the active components.
    /// </summary>
    internal static Tensor Divergence(DeepDirichletProcessHead head, Tensor codes, DeepDirichletProcessMixtureOptions options)
    {
        using var scope = NewDisposeScope();
        var w = head.Weights.view(-1, 1, 1);
        var spread = (w * head.Covariances).sum(dim: 0) / w.sum() * options.CodeSpread;      // d x d
        var js = DeepDirichletProcessDivergence.AlphaJensenShannonFullCovariance(codes, spread, head.Means, head.Covariances,
            options.JensenShannonAlpha, options.JensenShannonSkew);
        return js.MoveToOuterDisposeScope();
    }

    private FitState State(DeepTrainingContext context) =>
        states.TryGetValue(context, out var s) ? s : throw new InvalidOperationException("the fit state is missing (Initialize was not called).");

    private void Refit(DeepTrainingContext context, DeepDirichletProcessHead head, FitState state, bool initial)
    {
        var options = Options;
        var ct = context.CancellationToken;
        using var codes = context.EncodeAll();
        var mixtureOptions = new DirichletProcessGaussianMixtureOptions
        {
            Covariance = CovarianceType.Full,
            EffectiveSampleSize = options.EffectiveSampleSize,
            WeightConcentrationPrior = options.WeightConcentrationPrior ?? 1.0 / options.Clusters,
            EffectiveWeightThreshold = options.PruneThreshold,
            Precision = FloatPrecision.Float64,
            Seed = state.MixtureSeed(context),
        };
        DirichletProcessGaussianMixtureModel mixture;
        if (initial)
        {
            mixture = new DirichletProcessGaussianMixture(mixtureOptions with
            {
                Components = options.Clusters, MaxIterations = options.InitialMixtureIterations, Init = options.MixtureInit,
            }).FitTensor(codes, context.ProgressAs(Core.TrainingPhase.Initialization), ct); // reported, hence cancellable from a progress handler
            state.Slots = Enumerable.Range(0, options.Clusters).ToArray();
        }
        else
        {
            // Warm start: the previous mixture's responsibilities on the new codes, over the components it kept.
            var previous = state.Mixture!;
            using var scope = NewDisposeScope();
            var keep = tensor(state.Kept.Select(k => (long)k).ToArray(), device: codes.device);
            var r = previous.PredictProbabilitiesTensor(codes).to(ScalarType.Float64).index_select(1, keep).add_(1e-12);
            r.div_(r.sum(1, keepdim: true));
            mixture = new DirichletProcessGaussianMixture(mixtureOptions with
            {
                Components = state.Kept.Length, MaxIterations = options.MixtureIterations,
            }).FitFromResponsibilities(codes, r, progress: null, cancellationToken: ct);
            state.Slots = state.Kept.Select(k => state.Slots[k]).ToArray();
        }
        state.Mixture?.Dispose();
        state.Mixture = mixture;
        // Prune: keep components above the threshold (at least the largest), in stick order of decreasing weight.
        var weights = mixture.Weights;
        var kept = Enumerable.Range(0, weights.Length).Where(k => weights[k] >= options.PruneThreshold).OrderByDescending(k => weights[k]).ToArray();
        if (kept.Length == 0) kept = new[] { Enumerable.Range(0, weights.Length).MaxBy(k => weights[k]) };
        state.Kept = kept;
        head.SetComponents(mixture, kept, kept.Select(k => state.Slots[k]).ToArray());
        head.History.Add(kept.Length);
        if (kept.Length < weights.Length)
            Logger?.LogDebug("epoch {Epoch}: pruned {Pruned} component(s); {Kept} left", context.Epoch, weights.Length - kept.Length, kept.Length);
    }

    private void Finish(DeepTrainingContext context, DeepDirichletProcessHead head, FitState state)
    {
        var options = Options;
        var outcome = DirichletProcessDiagnostics.Classify(head.EffectiveClusters, options.Clusters);
        var message = DirichletProcessDiagnostics.Describe(outcome, options.Clusters, options.WeightConcentrationPrior ?? 1.0 / options.Clusters,
            nameof(DeepDirichletProcessMixtureOptions.WeightConcentrationPrior), nameof(DeepDirichletProcessMixtureOptions.Clusters), options.PruneThreshold);
        if (message is not null) context.Warn(message);
        state.Mixture?.Dispose();
        state.Mixture = null;
        states.Remove(context);
    }

    private sealed class FitState
    {
        private int? seed;
        public DirichletProcessGaussianMixtureModel? Mixture { get; set; }
        public int[] Slots { get; set; } = Array.Empty<int>();     // mixture component -> head slot
        public int[] Kept { get; set; } = Array.Empty<int>();      // mixture components that survived pruning

        public int MixtureSeed(DeepTrainingContext context)
        {
            if (seed is null) using (var derived = context.Random.Derive(1)) seed = derived.Seed;
            return seed.Value;
        }
    }
}
