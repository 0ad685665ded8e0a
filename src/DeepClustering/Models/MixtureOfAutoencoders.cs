using DeepClustering.Core;
using DeepClustering.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// Clustering with a mixture of K autoencoders, one per cluster, each learning the manifold of its cluster:
/// MIXAE (Zhang, Sun, Eriksson, Balzano, arXiv 1712.07788) and, as <see cref="MixtureOfAutoencodersOptions.Variant"/>,
/// DAMIC (Chazan, Gannot, Goldberger, arXiv 1812.06535). The K autoencoders run as one batched computation (grouped
/// layers: one batched matrix product per layer for all K), so an epoch costs about as much as one autoencoder of
/// K times the width, not K passes.
/// </summary>
/// <remarks>
/// <para>How it uses the shared deep pipeline: the K autoencoders and the assignment network are the pipeline's
/// head (<see cref="MixtureOfAutoencodersHead"/>); the pipeline's shared autoencoder is not part of the model's
/// computation. With <see cref="MixtureOfAutoencodersInitialization.Random"/> (default) nothing is pretrained and no
/// initial clustering runs; with <see cref="MixtureOfAutoencodersInitialization.KMeans"/> the shared autoencoder is
/// pretrained (or taken from <see cref="DeepClusteringOptions.PretrainedAutoencoder"/>), its codes are clustered by
/// the pipeline's k-means, and the first <see cref="MixtureOfAutoencodersOptions.WarmupEpochs"/> training epochs fit
/// autoencoder k to cluster k and the assignment network to the k-means labels.</para>
/// <para>Progress reports, per epoch, the terms "reconstruction" (assignment-weighted relative error),
/// "sampleEntropy", "batchEntropy" with its maximum "maxBatchEntropy" = log K, and the weights
/// "sampleEntropyWeight" (α) and "batchEntropyWeight" (β); DAMIC adds "negativeLogLikelihood", the warm-up
/// "crossEntropy". When an epoch's mean batch entropy falls below
/// <see cref="MixtureOfAutoencodersOptions.CollapseEntropyRatio"/> · log K (all rows on few autoencoders) the fit
/// warns (<see cref="FitSummary.Warnings"/>, log) or throws, by <see cref="DeepClusteringOptions.OnCollapse"/>.</para>
/// </remarks>
/// <example>
/// <code>
/// var data = EmbeddedDatasets.Load("mnist-test");
/// using var model = new MixtureOfAutoencoders(new MixtureOfAutoencodersOptions { Clusters = 10, Seed = 1 }).Fit(data);
/// int[] labels = model.Predict(data);
/// </code>
/// </example>
public sealed class MixtureOfAutoencoders
    : DeepClusteringEstimatorBase<MixtureOfAutoencodersOptions, MixtureOfAutoencodersHead, MixtureOfAutoencodersModel>
{
    /// <summary>Creates the estimator; the options are validated by <c>Fit</c>.</summary>
    public MixtureOfAutoencoders(MixtureOfAutoencodersOptions options, ILogger? logger = null) : base(options, logger) { }

    private bool UsesWarmup => Options.Initialization == MixtureOfAutoencodersInitialization.KMeans;

    private int WarmupEpochs => UsesWarmup ? Options.WarmupEpochs : 0;

    /// <inheritdoc />
    protected override string CollapseAdvice =>
        $"raise BatchEntropyWeight (now {Options.ResolvedBatchEntropyWeight}) or lower SampleEntropyWeight (now {Options.SampleEntropyWeight})";

    /// <inheritdoc />
    protected override MixtureOfAutoencodersHead CreateHead(DeepTrainingContext context)
    {
        var o = Options;
        var hidden = o.AutoencoderHiddenSizes ?? MixtureOfAutoencodersOptions.DefaultAutoencoderHiddenSizes(context.Features);
        var config = new MixtureOfAutoencodersHeadConfig(o.Variant, o.Clusters, context.Features, hidden.ToArray(),
            o.ResolvedAutoencoderLatentSize, o.AssignmentHiddenSize, o.Activation, o.GlorotInit, o.ReconstructionTemperature);
        var head = new MixtureOfAutoencodersHead(config, context.Random.Generator);
        double variance;
        using (no_grad())
        using (var v = context.Data.var(0, unbiased: false).mean())
            variance = v.item<float>();
        // Constant data have no scale to compare errors with; keep raw squared errors then.
        head.SetErrorScale(variance > 1e-12 ? 1.0 / variance : 1.0);
        return head;
    }

    /// <inheritdoc />
    protected override InitialClusteringSettings? GetInitialClustering(MixtureOfAutoencodersOptions options) =>
        options.Initialization == MixtureOfAutoencodersInitialization.KMeans
            ? base.GetInitialClustering(options)
            : null;

    /// <inheritdoc />
    protected override void Initialize(DeepTrainingContext context, MixtureOfAutoencodersHead head, InitialClusteringResult? initial)
    {
        if (initial is null || WarmupEpochs == 0) return;
        head.PseudoLabels = initial.Labels.to(ScalarType.Int64).clone().DetachFromDisposeScope();
    }

    /// <inheritdoc />
    protected override int GetTrainingEpochs(MixtureOfAutoencodersOptions options) => options.Epochs + WarmupEpochs;

    /// <summary>Adam over the head only: the K autoencoders and the assignment network are the model.</summary>
    protected override optim.Optimizer CreateOptimizer(DeepTrainingContext context, MixtureOfAutoencodersHead head) =>
        BufferedAdam.Create(head.parameters(), Options.LearningRate, Options.WeightDecay);

    /// <inheritdoc />
    protected override DeepLoss ComputeLoss(DeepTrainingContext context, MixtureOfAutoencodersHead head, DeepBatch batch)
    {
        var forward = head.Forward(batch.Inputs);
        if (batch.Epoch < WarmupEpochs && head.PseudoLabels is Tensor pseudo) return WarmupLoss(head, forward, pseudo.index_select(0, batch.Indices));
        var o = Options;
        int epoch = batch.Epoch - WarmupEpochs;
        double alpha = o.Variant == MixtureOfAutoencodersVariant.Mixae ? o.SampleEntropyWeightAt(epoch, o.Epochs) : 0.0;
        double beta = o.ResolvedBatchEntropyWeight;
        var logP = head.LogProbabilities(forward);
        var p = logP.exp();
        var reconstruction = (p * forward.Errors).sum(1).mean();
        var sampleEntropy = -(p * logP).sum(1).mean();
        var meanP = p.mean(new long[] { 0 });
        var batchEntropy = -(meanP * meanP.clamp_min(1e-10).log()).sum();
        Tensor total;
        Tensor? nll = null;
        if (o.Variant == MixtureOfAutoencodersVariant.Mixae)
        {
            total = reconstruction + alpha * sampleEntropy - beta * batchEntropy;
        }
        else
        {
            // −log Σ_k p(k|x) exp(−e_k/τ), times τ so that it is measured in relative-error units like MIXAE's loss.
            double tau = o.ReconstructionTemperature;
            var joint = nn.functional.log_softmax(forward.Logits, 1) - forward.Errors / tau;
            nll = -joint.logsumexp(1).mean();
            total = tau * nll - beta * batchEntropy;
        }
        var terms = new List<(string, Tensor)>
        {
            ("reconstruction", reconstruction), ("sampleEntropy", sampleEntropy), ("batchEntropy", batchEntropy),
            ("maxBatchEntropy", Scalar(Math.Log(head.Clusters))), ("sampleEntropyWeight", Scalar(alpha)),
            ("batchEntropyWeight", Scalar(beta)),
        };
        if (nll is not null) terms.Add(("negativeLogLikelihood", nll));
        return new DeepLoss(total, terms.ToArray()) { Probabilities = p.detach() };

        // Constant terms (reported so that the schedule and the entropy's maximum are visible in progress).
        Tensor Scalar(double value) => tensor((float)value, device: batch.Inputs.device);
    }

    /// <inheritdoc />
    protected override bool EndEpoch(DeepTrainingContext context, MixtureOfAutoencodersHead head, DeepEpochResult result)
    {
        if (result.Epoch + 1 == WarmupEpochs)
        {
            head.PseudoLabels?.Dispose();
            head.PseudoLabels = null;
        }
        // The joint epochs report the mean batch entropy H(p̄); the warm-up epochs follow the k-means labels instead.
        if (head.Clusters > 1 && result.Terms.TryGetValue("batchEntropy", out double entropy))
        {
            double ratio = entropy / Math.Log(head.Clusters);
            if (ratio < Options.CollapseEntropyRatio)
            {
                string message = $"assignment collapse after epoch {result.Epoch + 1}: the batch entropy of the assignments is {entropy:F3}, " +
                    $"{ratio:P0} of its maximum log K = {Math.Log(head.Clusters):F3} ({result.ClusterSizes.Count(s => s > 0)} of {head.Clusters} " +
                    $"autoencoders hold rows); {CollapseAdvice}.";
                if (Options.OnCollapse == CollapseBehavior.Throw) throw new ClusteringNumericsException(message);
                // Once when it first happens and once at the end, not every epoch.
                if (!head.CollapseReported || result.Epoch + 1 == context.TotalEpochs) context.Warn(message);
                head.CollapseReported = true;
            }
        }
        return false;
    }

    /// <inheritdoc />
    protected override MixtureOfAutoencodersModel CreateModel(DeepModelParts parts, MixtureOfAutoencodersHead head)
    {
        head.PseudoLabels?.Dispose();
        head.PseudoLabels = null;
        return new MixtureOfAutoencodersModel(parts, head);
    }

    private static DeepLoss WarmupLoss(MixtureOfAutoencodersHead head, MixtureForward forward, Tensor labels)
    {
        // Autoencoder k reconstructs the rows of k-means cluster k; the assignment network learns the labels.
        var own = forward.Errors.gather(1, labels.unsqueeze(1)).mean();
        var crossEntropy = nn.functional.cross_entropy(forward.Logits, labels);
        var p = head.LogProbabilities(forward).exp();
        return new DeepLoss(own + crossEntropy, ("reconstruction", own), ("crossEntropy", crossEntropy)) { Probabilities = p.detach() };
    }
}
