using System.Runtime.CompilerServices;
using DeepClustering.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// AE-CM (Boubekki et al., arXiv 2012.03740): the clustering module on the bottleneck of a deep autoencoder, both
/// trained jointly by one loss, without alternating k-means steps. Per batch, with codes z, assignments
/// γ = softmax(W z + b), centroids U and reconstruction x̂:
/// <c>L = E1 + E2' + λ·R(U) + E4 + β·rec(x, x̂)</c>, where E1 = Σ‖z − γU‖², E2' = Σγ(1 − γ), R(U) = ‖UUᵀ − I‖²_F the
/// centroid orthonormality penalty that replaces the shallow module's coupling term, E4 the Dirichlet prior; the
/// normalised scale divides E1 and E2' by B·d and uses the mean squared reconstruction error
/// (<see cref="ClusteringModuleLossScale"/>). Initialisation (the authors' <c>pre</c>): pretrained autoencoder,
/// k-means on the codes (refined in the clusters' own within-cluster metric, whose whitening the module's codes then
/// carry: <see cref="ClusteringModuleAutoencoderOptions.WhiteningRounds"/>, ours), the module set from the centres
/// (<see cref="ClusteringModuleInit"/>), then
/// <see cref="ClusteringModuleAutoencoderOptions.ModuleWarmupEpochs"/> epochs of module-only training on the frozen
/// codes; then joint training and the final averaging epoch. Prediction is argmax γ.
/// </summary>
/// <example>
/// <code>
/// var options = new ClusteringModuleAutoencoderOptions { Clusters = 10, PretrainEpochs = 50, Epochs = 30, Seed = 0 };
/// using var model = new ClusteringModuleAutoencoder(options).Fit(mnist);
/// int[] labels = model.Predict(mnist);
/// </code>
/// </example>
public sealed class ClusteringModuleAutoencoder
    : DeepClusteringEstimatorBase<ClusteringModuleAutoencoderOptions, ClusteringModuleHead, ClusteringModuleAutoencoderModel>
{
    // Per-fit state of the averaging epoch (the estimator itself stays stateless, so fits may run concurrently).
    private readonly ConditionalWeakTable<DeepTrainingContext, WeightAveraging> averaging = new();

    /// <summary>Creates the estimator; options are validated by <c>Fit</c>.</summary>
    public ClusteringModuleAutoencoder(ClusteringModuleAutoencoderOptions options, ILogger? logger = null) : base(options, logger) { }

    /// <inheritdoc />
    protected override string CollapseAdvice => "raise DirichletConcentration, lower LearningRate, or raise ReconstructionWeight";

    /// <inheritdoc />
    protected override ClusteringModuleHead CreateHead(DeepTrainingContext context) =>
        new(context.LatentSize, context.Clusters, context.Random.Generator);

    /// <summary>The pipeline's clustering of the pretrained codes (k-means by default), none for a random start.</summary>
    protected override InitialClusteringSettings? GetInitialClustering(ClusteringModuleAutoencoderOptions options) =>
        options.Init == ClusteringModuleInit.Random ? null : base.GetInitialClustering(options);

    /// <summary>
    /// Sets the module from the initial clustering (optionally after normalising the code space) and runs the
    /// module-only warm-up on the frozen codes.
    /// </summary>
    protected override void Initialize(DeepTrainingContext context, ClusteringModuleHead head, InitialClusteringResult? initial)
    {
        if (initial is null) return;
        var options = Options;
        using var scope = NewDisposeScope();
        var raw = initial.Codes;
        var responsibilities = initial.Responsibilities;
        Tensor? whiten = null, unwhiten = null;
        if (options.WhiteningRounds > 0)
        {
            // k-means in the metric of its own within-cluster covariance (WithinClusterWhitening); the module then works
            // in that metric, where the clusters it starts from are round.
            int seed;
            using (var derived = context.Random.Derive(2)) seed = derived.Seed;
            var refined = WithinClusterWhitening.Refine(raw, initial.Labels, head.Clusters, options.WhiteningRounds,
                options.InitialClusteringRestarts, seed, context.CancellationToken);
            responsibilities = nn.functional.one_hot(refined.Labels, head.Clusters).to(raw.dtype);
            (whiten, unwhiten) = (refined.Whiten, refined.Unwhiten);
            context.Logger?.LogDebug("AE-CM start: {Rounds} round(s) of k-means in the within-cluster metric", refined.Rounds);
            refined.Labels.Dispose();
        }
        if (options.NormalizeCodes)
        {
            // Centre the codes at their mean (and whiten them) and scale them so that the centres have unit
            // root-mean-square norm.
            var mean = raw.mean(new long[] { 0 });
            head.SetCodeTransform(mean, 1, whiten, unwhiten);
            var centred = head.Normalize(raw);
            double spread = DeepTensors.ClusterMeans(centred, responsibilities).square().sum(dim: 1).mean().item<float>();
            head.SetCodeTransform(mean, spread > 1e-12 ? 1 / Math.Sqrt(spread) : 1, whiten, unwhiten);
        }
        else if (whiten is not null)
        {
            head.SetCodeTransform(zeros_like(raw[0]), 1, whiten, unwhiten);
        }
        var codes = head.Normalize(raw);
        var centres = DeepTensors.ClusterMeans(codes, responsibilities);
        // Within-cluster sum of squares of the initial clustering in the module's space (the k-means inertia for k-means).
        double within = ClusteringModuleLoss.Distortion(codes, responsibilities, centres).item<float>();
        ClusteringModuleTraining.SetFromCentres(head.Module, centres, within, raw.shape[0], options.Init);
        if (options.ModuleWarmupEpochs == 0) return;
        // The authors' pre_fit: train the module alone on the frozen codes with its own loss (E1 + E2 + E3 + E4).
        var settings = new ModuleTrainingSettings(options.ModuleWarmupEpochs, options.BatchSize, options.LearningRate, options.AdamEpsilon,
            options.DirichletConcentration, options.LossScale, AveragingEpoch: false);
        using var grad = enable_grad();
        ClusteringModuleTraining.Train(head.Module, codes, settings, context.Random, null, "the module warm-up", context.CancellationToken);
    }

    /// <summary>The joint epochs plus the averaging epoch.</summary>
    protected override int GetTrainingEpochs(ClusteringModuleAutoencoderOptions options) =>
        options.Epochs + (options.AveragingEpoch && options.Epochs > 0 ? 1 : 0);

    /// <summary>Adam over the network and the module with the options' learning rate, ε and weight decay.</summary>
    protected override optim.Optimizer CreateOptimizer(DeepTrainingContext context, ClusteringModuleHead head) =>
        BufferedAdam.Create(context.Network.parameters().Concat(head.parameters()), Options.LearningRate, Options.WeightDecay, Options.AdamEpsilon);

    /// <inheritdoc />
    protected override void BeginEpoch(DeepTrainingContext context, ClusteringModuleHead head, int epoch)
    {
        if (IsAveragingEpoch(context, epoch))
            averaging.AddOrUpdate(context, new WeightAveraging(context.Network.parameters().Concat(head.parameters())));
    }

    /// <inheritdoc />
    protected override DeepLoss ComputeLoss(DeepTrainingContext context, ClusteringModuleHead head, DeepBatch batch)
    {
        // The pipeline steps after this hook, so the weights seen here are those after the previous batch's step.
        if (batch.Batch > 0 && averaging.TryGetValue(context, out var average)) average.Add();
        var options = Options;
        var x = batch.Inputs;
        var z = head.Codes(context.Network, x);
        var reconstruction = head.Reconstruction(context.Network, x, z);
        var module = head.Module;
        var gamma = module.Assignments(z);
        bool normalized = options.LossScale == ClusteringModuleLossScale.Normalized;
        double norm = normalized ? 1.0 / (z.shape[0] * z.shape[1]) : 1.0;
        var e1 = ClusteringModuleLoss.CodeReconstruction(z, gamma, module.Centroids).mul(norm);
        var e2 = ClusteringModuleLoss.UnweightedSparsity(gamma).mul(norm);
        var orthonormality = ClusteringModuleLoss.Orthonormality(module.Centroids, squared: normalized).mul(options.OrthonormalityWeight);
        var e4 = ClusteringModuleLoss.DirichletPrior(gamma, options.DirichletConcentration);
        var rec = normalized ? nn.functional.mse_loss(reconstruction, x) : (reconstruction - x).square().sum();
        var total = e1 + e2 + orthonormality + e4 + rec.mul(options.ReconstructionWeight);
        return new DeepLoss(total,
            (ClusteringModuleTraining.CodeReconstructionTerm, e1), (ClusteringModuleTraining.SparsityTerm, e2),
            (ClusteringModuleTraining.OrthonormalityTerm, orthonormality), (ClusteringModuleTraining.DirichletTerm, e4),
            (ClusteringModuleTraining.ReconstructionTerm, rec))
        { Probabilities = gamma.detach() };
    }

    /// <inheritdoc />
    protected override bool EndEpoch(DeepTrainingContext context, ClusteringModuleHead head, DeepEpochResult result)
    {
        bool last = result.Epoch == context.TotalEpochs - 1;
        IReadOnlyList<int> sizes = result.ClusterSizes;
        if (averaging.TryGetValue(context, out var average))
        {
            averaging.Remove(context);
            using (average)
            {
                average.Add();
                average.Apply();
            }
            using var labels = context.Map(x => head.Probabilities(x, head.Codes(context.Network, x)).argmax(1));
            using var counts = labels.bincount(null, head.Clusters);
            sizes = DeepTensors.ToIntArray(counts);
        }
        if (last)
        {
            var empty = ClusteringModuleTraining.EmptyClustersMessage(sizes, "at the end of training", CollapseAdvice);
            if (empty is not null) context.Warn(empty);
        }
        return false;
    }

    /// <inheritdoc />
    protected override ClusteringModuleAutoencoderModel CreateModel(DeepModelParts parts, ClusteringModuleHead head) => new(parts, head);

    private bool IsAveragingEpoch(DeepTrainingContext context, int epoch) =>
        Options.AveragingEpoch && Options.Epochs > 0 && epoch == context.TotalEpochs - 1;
}
