using DeepClustering.Core;
using DeepClustering.Mixtures;
using DeepClustering.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// Deep SR-K-means (Jabi, Pedersoli, Mitiche, Ben Ayed, "Deep clustering: On the link between discriminative models
/// and K-means", TPAMI 2021, arXiv 1810.04246): maximising the L2-regularised mutual information of a
/// logistic-regression classifier on an embedding is equivalent to a soft, regularised k-means on it, so the deep
/// algorithm alternates closed-form soft-assignment and soft-means steps on the codes with network updates.
/// </summary>
/// <remarks>
/// The fit, on the shared deep pipeline (updates as in the authors' code):
/// <list type="number">
/// <item>an autoencoder with a tanh-bounded code (pretrained, or <see cref="DeepClusteringOptions.PretrainedAutoencoder"/>);</item>
/// <item>a start on the codes z (<see cref="SoftRegularizedKMeansOptions.Start"/>): k-means (k-means++,
///   <see cref="DeepClusteringOptions.InitialClusteringRestarts"/> restarts; or the pipeline's Gaussian mixture,
///   <see cref="DeepClusteringOptions.InitialClustering"/>), or, like the authors' agglomerative AC-PIC start, small
///   k-means clusters of the codes smoothed over their k-nearest-neighbour graph merged along that graph
///   (<see cref="SoftRegularizedKMeansStart.GraphLinkage"/>); optionally refined by
///   <see cref="SoftRegularizedKMeansOptions.WhiteningRounds"/>. Q = one-hot labels, θ = their means; optional warm
///   start on these hard targets
///   (<see cref="SoftRegularizedKMeansOptions.WarmStartEpochs"/>); then the soft start
///   θ = soft means, <c>q_ik = softmax_k(−‖z_i − θ_k‖² / T)</c>, T = λ·K;</item>
/// <item>per epoch, mini-batch network steps on
///   <c>w_r·MSE(x, x̂) + w_c·(1/T)·mean_i[Σ_k q_ik ‖z_i − θ_k‖² − ‖z_i‖²]</c> with Q and θ fixed, then over all
///   rows: new codes, θ = soft means under Q, the Q-step, and θ again under the new Q; the fit stops when
///   mean((Q_new − Q_old)²) &lt; <see cref="SoftRegularizedKMeansOptions.Tolerance"/>;</item>
/// <item>the fitted posterior <c>p_ik = softmax_k(z_iᵀ θ_k / T + b_k)</c>, <c>b_k = ½ log(mean_i q_ik)</c>
///   (<see cref="SoftRegularizedKMeansOptions.Prediction"/>).</item>
/// </list>
/// Failure modes: the network term equals <c>Σ_k q_ik(‖θ_k‖² − 2 θ_kᵀ z_i)</c>, linear in z and unbounded below,
/// so codes are always bounded by tanh (by the head when the network lacks a tanh bottleneck, after standardising the
/// raw codes; see <see cref="SoftRegularizedKMeansHead.CodeOffset"/>); <see cref="SoftRegularizedKMeansOptions.ClusteringTerm"/>
/// = Centred keeps that bounded term from rewarding a merge of clusters into one corner. A cluster whose
/// soft count drops below 1e-6 rows would have θ = 0/0: it is re-seeded at the code farthest from its nearest
/// centre and a warning is recorded in <see cref="FitSummary.Warnings"/>. A collapse into one cluster is reported
/// by the pipeline (<see cref="DeepClusteringOptions.OnCollapse"/>).
/// </remarks>
/// <example>
/// <code>
/// var data = EmbeddedDatasets.Load("usps");
/// using var model = new SoftRegularizedKMeans(new SoftRegularizedKMeansOptions { Clusters = 10, Seed = 0 }).Fit(data);
/// int[] labels = model.Predict(data);
/// </code>
/// </example>
public sealed class SoftRegularizedKMeans : DeepClusteringEstimatorBase<SoftRegularizedKMeansOptions, SoftRegularizedKMeansHead, SoftRegularizedKMeansModel>
{
    /// <summary>Creates the estimator; options are validated by <c>Fit</c>.</summary>
    public SoftRegularizedKMeans(SoftRegularizedKMeansOptions options, ILogger? logger = null) : base(options, logger) { }

    /// <inheritdoc />
    protected override SoftRegularizedKMeansHead CreateHead(DeepTrainingContext context)
    {
        var head = new SoftRegularizedKMeansHead(Options.Clusters, context.LatentSize, Options.Temperature, !context.Network.Architecture.TanhBottleneck, Options.Prediction);
        if (head.BoundCodes) StandardiseUnboundedCodes(context, head);
        return head;
    }

    /// <summary>
    /// For a network without a tanh code (a shared pretrained autoencoder): the head bounds tanh((z − m) / (2s)), with
    /// m the mean pretrained code and s its pooled standard deviation, so that the codes start in tanh's responsive
    /// range. A plain tanh of codes far outside [−1, 1] puts every code in a corner of the box, where k-means and the
    /// network steps can no longer tell the clusters apart.
    /// </summary>
    private static void StandardiseUnboundedCodes(DeepTrainingContext context, SoftRegularizedKMeansHead head)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var z = context.EncodeAll().to(ScalarType.Float64);
        var mean = z.mean(new long[] { 0 });
        double sd = (z - mean).square().mean().sqrt().item<double>();
        head.SetCodeStandardisation(mean.cpu().data<double>().ToArray(), 2 * Math.Max(sd, 1e-6));
    }

    /// <inheritdoc />
    protected override int GetTrainingEpochs(SoftRegularizedKMeansOptions options) => options.WarmStartEpochs + options.Epochs;

    /// <inheritdoc />
    protected override bool HasStoppingCriterion => true;

    /// <inheritdoc />
    protected override string CollapseAdvice => "raise Regularization (softer assignments), lower LearningRate or ClusteringWeight, or pretrain longer";

    /// <inheritdoc />
    protected override void Initialize(DeepTrainingContext context, SoftRegularizedKMeansHead head, InitialClusteringResult? initial)
    {
        if (initial is null) throw new InvalidOperationException("SR-K-means starts from the initial clustering of the codes.");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        // Q = one-hot labels of the initial clustering (k-means by default), on the bounded codes.
        var z = Codes(context, head);
        var labels = initial.Labels.to(ScalarType.Int64, z.device);
        int seed;
        using (var derived = context.Random.Derive(2)) seed = derived.Seed;
        var startCodes = z;
        if (Options.Start == SoftRegularizedKMeansStart.GraphLinkage)
        {
            // Agglomeration along the codes' kNN graph (NeighbourGraphSmoothing, GraphLinkage); the warm start then trains
            // the network towards that partition.
            startCodes = GraphStart(context, z, seed, out labels);
        }
        if (Options.WhiteningRounds > 0)
        {
            // k-means in the metric of its own within-cluster covariance (WithinClusterWhitening); the warm start then
            // trains the network towards that partition before the isotropic soft k-means steps.
            var refined = WithinClusterWhitening.Refine(startCodes, labels, Options.Clusters, Options.WhiteningRounds,
                Options.InitialClusteringRestarts, seed, context.CancellationToken);
            labels = refined.Labels;
            refined.Whiten.Dispose();
            refined.Unwhiten.Dispose();
        }
        var q = nn.functional.one_hot(labels, Options.Clusters).to(z.dtype);
        head.Training = new SoftRegularizedKMeansTrainingState(q, labels);
        if (Options.WarmStartEpochs == 0) EnterSoftPhase(context, head, z);
        else SetCentres(context, head, q, z);
    }

    /// <summary>
    /// The <see cref="SoftRegularizedKMeansStart.GraphLinkage"/> start: returns the smoothed codes (where
    /// <see cref="SoftRegularizedKMeansOptions.WhiteningRounds"/> continue) and the merged labels.
    /// </summary>
    private Tensor GraphStart(DeepTrainingContext context, Tensor z, int seed, out Tensor labels)
    {
        var token = context.CancellationToken;
        // A small data set has fewer other rows than the default neighbour count: every other row is then a neighbour.
        using var graph = NeighbourGraphSmoothing.NearestNeighbours(z, Math.Min(Options.GraphNeighbours, context.Rows - 1), token);
        var smoothed = NeighbourGraphSmoothing.Smooth(z, graph, Options.GraphSmoothingSteps, token);
        // The greedy merge costs O(M²) per merge: at most 1024 small clusters (a second or so), a tenth of the rows.
        int fine = Math.Max(Options.Clusters, Math.Min(Math.Min(Options.Clusters * Options.GraphSubclusters, context.Rows / 10), 1024));
        using var fineLabels = LatentClustering.KMeansLabels(smoothed, fine, Options.InitialClusteringRestarts, seed, token);
        labels = GraphLinkage.Merge(fineLabels, fine, graph, Options.Clusters);
        return smoothed;
    }

    /// <inheritdoc />
    protected override DeepLoss ComputeLoss(DeepTrainingContext context, SoftRegularizedKMeansHead head, DeepBatch batch)
    {
        var state = head.Training ?? throw new InvalidOperationException("SR-K-means state is missing; Initialize did not run.");
        var network = context.Network;
        var x = batch.Inputs;
        var raw = network.Encode(x);
        var z = head.Bound(raw);
        var reconstruction = nn.functional.mse_loss(network.Decode(raw), x);
        var q = state.Assignments.index_select(0, batch.Indices);
        var theta = head.Centres;
        // Σ_k q_ik ‖z_i − θ_k‖² − ‖z_i‖² = Σ_k q_ik (‖θ_k‖² − 2 θ_kᵀ z_i) since Σ_k q_ik = 1: linear in z (hence the bound).
        var perRow = q.matmul(theta.square().sum(dim: 1)) - 2 * (q.matmul(theta) * z).sum(dim: 1);
        // Centred: − ‖z_i − m‖² instead of − ‖z_i‖², i.e. + 2 mᵀz_i − ‖m‖², with m the mean code (fixed during the epoch).
        var m = Options.ClusteringTerm == SoftRegularizedKMeansClusteringTerm.Centred ? state.CodeMean : null;
        if (m is not null) perRow = perRow + 2 * z.matmul(m) - m.square().sum();
        var clustering = perRow.mean() / Options.Temperature;
        var total = reconstruction * Options.ReconstructionWeight + clustering * Options.ClusteringWeight;
        Tensor distortion;
        using (no_grad()) distortion = (perRow + (m is null ? z : z - m).square().sum(dim: 1)).mean();
        return new DeepLoss(total, ("reconstruction", reconstruction), ("clustering", clustering), ("distortion", distortion)) { Probabilities = q };
    }

    /// <inheritdoc />
    protected override bool EndEpoch(DeepTrainingContext context, SoftRegularizedKMeansHead head, DeepEpochResult result)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var state = head.Training!;
        int warm = Options.WarmStartEpochs;
        var z = Codes(context, head);
        if (result.Epoch < warm - 1)
        {
            // Warm start: hard targets stay; the centres follow the codes.
            SetCentres(context, head, state.Assignments, z);
            return false;
        }
        if (result.Epoch == warm - 1)
        {
            EnterSoftPhase(context, head, z);
            return false;
        }
        // Alternating phase: θ from Q on the new codes, the Q-step, and θ again for the next network steps.
        var theta = SoftMeans(context, state.Assignments, z, head.Centres).Centres;
        var next = SoftKMeansMath.Assign(z, theta, Options.Temperature);
        double change = (next - state.Assignments).square().mean().item<float>();
        state.Replace(next);
        double energy = SoftKMeansMath.Energy(next, z, theta, Options.Temperature) / context.Rows;
        SetCentres(context, head, next, z);
        context.Logger?.LogDebug("SR-K-means epoch {Epoch}: mean squared change of Q {Change:G3}, energy per row {Energy:G5}",
            result.Epoch + 1, change, energy);
        return change < Options.Tolerance;
    }

    /// <inheritdoc />
    protected override SoftRegularizedKMeansModel CreateModel(DeepModelParts parts, SoftRegularizedKMeansHead head)
    {
        head.Training?.Dispose();
        head.Training = null;
        return new SoftRegularizedKMeansModel(parts, head);
    }

    /// <summary>Bounded codes of every training row (no gradients).</summary>
    private static Tensor Codes(DeepTrainingContext context, SoftRegularizedKMeansHead head) => context.Map(x => head.Codes(context.Network, x));

    /// <summary>The soft start: θ = means of the current (hard) Q, the Q-step, then θ under the soft Q.</summary>
    private void EnterSoftPhase(DeepTrainingContext context, SoftRegularizedKMeansHead head, Tensor z)
    {
        using var scope = NewDisposeScope();
        var state = head.Training!;
        var theta = SoftMeans(context, state.Assignments, z, null).Centres;
        state.Replace(SoftKMeansMath.Assign(z, theta, Options.Temperature));
        SetCentres(context, head, state.Assignments, z);
    }

    private static void SetCentres(DeepTrainingContext context, SoftRegularizedKMeansHead head, Tensor q, Tensor z)
    {
        using var scope = NewDisposeScope();
        var (centres, counts, _) = SoftMeans(context, q, z, head.Centres);
        head.SetState(centres, counts, context.Rows);
        head.Training!.SetCodeMean(z.mean(new long[] { 0 }));
    }

    private static (Tensor Centres, Tensor Counts, int Reseeded) SoftMeans(DeepTrainingContext context, Tensor q, Tensor z, Tensor? current)
    {
        var result = SoftKMeansMath.SoftMeans(q, z, current);
        if (result.Reseeded > 0)
            context.Warn($"SR-K-means re-seeded {result.Reseeded} empty cluster(s) at the codes farthest from their centres (epoch {context.Epoch + 1}).");
        return result;
    }
}
