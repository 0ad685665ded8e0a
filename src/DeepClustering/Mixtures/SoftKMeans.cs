using DeepClustering.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// Soft, entropy-regularised k-means: the shallow algorithm of SR-K-means (Jabi, Pedersoli, Mitiche, Ben Ayed,
/// "Deep clustering: On the link between discriminative models and K-means", TPAMI 2021, arXiv 1810.04246). It
/// minimises <c>F(Q, θ) = Σ_ik q_ik ‖x_i − θ_k‖² + T Σ_ik q_ik log q_ik</c> with T = λ·K
/// (<see cref="SoftKMeansOptions.Regularization"/> λ) by alternating the Q-step
/// <c>q_ik = softmax_k(−‖x_i − θ_k‖² / T)</c> and the θ-step (soft means) <c>θ_k = Σ_i q_ik x_i / Σ_i q_ik</c>. Each
/// step minimises F over its block, so F never increases; as λ → 0 the Q-step becomes the nearest-centre
/// assignment and the iterations are exactly Lloyd's (the same partition as <see cref="KMeans"/> from the same
/// centres). The paper shows that maximising the L2-regularised mutual information of a logistic-regression
/// (softmax-linear) classifier leads to the same updates.
/// </summary>
/// <remarks>
/// Runs on the EM engine (<see cref="MixtureEstimatorBase{TOptions, TParameters, TModel}"/>): chunked passes over the
/// rows that accumulate Σ_i q_ik and Σ_i q_ik x_i, on CPU or CUDA, with restarts (the lowest F wins), progress and
/// cancellation. <see cref="FitSummary.FinalObjective"/> and the history hold <c>−F / Σ_i ‖x_i − x̄‖²</c> (higher is
/// better, like the other mixtures' lower bounds; −1 is no better than one centre at the mean); convergence is a
/// change below <see cref="MixtureOptions.Tolerance"/> in that quantity. A cluster whose soft count falls below
/// 1e-6 rows is re-seeded at the row farthest from its nearest centre (noted in the summary's warnings).
/// </remarks>
/// <example>
/// <code>
/// using var model = new SoftKMeans(new SoftKMeansOptions { Components = 3, Regularization = 1e-3, Seed = 0 }).Fit(data);
/// float[,] q = model.PredictProbabilities(data);
/// </code>
/// </example>
public sealed class SoftKMeans : MixtureEstimatorBase<SoftKMeansOptions, SoftKMeansParameters, SoftKMeansModel>
{
    /// <summary>Creates the estimator.</summary>
    public SoftKMeans(SoftKMeansOptions options) : base(options) { }

    /// <summary>Creates the estimator with default options and <paramref name="clusters"/> clusters.</summary>
    public SoftKMeans(int clusters) : base(new SoftKMeansOptions { Components = clusters }) { }

    /// <inheritdoc />
    protected override void CheckParameters(MixtureContext context)
    {
        if (Options.InitialCentroids is { } c && c.GetLength(1) != context.Features)
            throw new ArgumentException($"InitialCentroids has {c.GetLength(1)} columns but the data have {context.Features} features.",
                nameof(SoftKMeansOptions.InitialCentroids));
    }

    /// <inheritdoc />
    protected override bool HasCompleteInitialParameters => Options.InitialCentroids is not null;

    /// <inheritdoc />
    protected override SoftKMeansParameters Initialize(MixtureContext context, MixtureStatistics? statistics)
    {
        using var scope = NewDisposeScope();
        int k = Options.Components;
        Tensor centres;
        if (statistics is null)
            centres = TensorArrays.FromArray(Options.InitialCentroids!, context.Device) - context.Center;
        else
        {
            var counts = statistics.ResponsibilitySums;
            // Seed rows (k-means++, random rows), k-means labels or random responsibilities; an unused centre sits at the mean.
            centres = statistics.FirstMoments / counts.clamp_min(SoftKMeansMath.EmptyClusterMass).unsqueeze(1);
        }
        var weights = full(k, 1.0 / k, dtype: ScalarType.Float64, device: context.Device);
        return new SoftKMeansParameters(centres, weights, Options.Temperature, context.Dtype);
    }

    /// <inheritdoc />
    protected override Tensor EstimateLogProb(SoftKMeansParameters parameters, RowChunk chunk) => parameters.Logits(chunk);

    /// <inheritdoc />
    protected override Tensor EstimateLogWeights(SoftKMeansParameters parameters) =>
        zeros(parameters.Centres.shape[0], dtype: parameters.Centres.dtype, device: parameters.Centres.device);

    /// <inheritdoc />
    protected override Tensor EstimateWeightedLogProb(SoftKMeansParameters parameters, RowChunk chunk) => parameters.Logits(chunk);

    /// <inheritdoc />
    protected override bool NeedsResponsibilityEntropy => true;

    /// <inheritdoc />
    protected override SoftKMeansParameters MStep(SoftKMeansParameters parameters, MixtureStatistics statistics, MixtureContext context)
    {
        using var scope = NewDisposeScope();
        var counts = statistics.ResponsibilitySums;                              // Σ_i q_ik
        var centres = statistics.FirstMoments / counts.clamp_min(SoftKMeansMath.EmptyClusterMass).unsqueeze(1);
        int reseeded = parameters.Reseeded;
        var empty = counts.lt(SoftKMeansMath.EmptyClusterMass);
        if (empty.any().item<bool>() && parameters.FarthestRows is { } far)
        {
            // Empty cluster: θ_k = 0/0. Move it to the rows farthest from their nearest centre (one per empty cluster).
            var indices = empty.nonzero().squeeze(1).cpu().data<long>().ToArray();
            for (int e = 0; e < indices.Length; e++) centres[indices[e]].copy_(far[e % far.shape[0]].to(ScalarType.Float64));
            reseeded += indices.Length;
        }
        var weights = counts / counts.sum().clamp_min(1e-300);
        var next = new SoftKMeansParameters(centres, weights, Options.Temperature, context.Dtype)
        {
            Reseeded = reseeded,
            // Σ_i ‖x_i‖² in centred coordinates = Σ_k Σ_i q_ik ‖x_i‖²; fixed once so the reported objective is comparable across iterations.
            TotalSumOfSquares = double.IsNaN(parameters.TotalSumOfSquares) ? statistics.SecondMoments.sum().item<double>() : parameters.TotalSumOfSquares,
        };
        return next;
    }

    /// <inheritdoc />
    protected override double ComputeLowerBound(SoftKMeansParameters parameters, MixtureStatistics statistics, MixtureContext context)
    {
        double energy = Energy(parameters, statistics);
        double tss = parameters.TotalSumOfSquares;
        return -energy / (tss > 0 ? tss : 1);
    }

    /// <summary>F(Q, θ) from the statistics of Q and the centres θ: Σ_k (Σ q‖x‖² − 2 θ_k·Σ q x + (Σ q) ‖θ_k‖²) + T Σ q log q.</summary>
    private static double Energy(SoftKMeansParameters parameters, MixtureStatistics statistics)
    {
        using var scope = NewDisposeScope();
        var theta = parameters.Centres;
        var distortion = statistics.SecondMoments.sum()
            - 2 * (theta * statistics.FirstMoments).sum()
            + (statistics.ResponsibilitySums * theta.square().sum(dim: 1)).sum();
        return distortion.item<double>() + parameters.Temperature * statistics.SumResponsibilityLogResponsibility;
    }

    /// <inheritdoc />
    protected override SoftKMeansModel CreateModel(SoftKMeansParameters parameters, MixtureContext context, FitSummary summary)
    {
        if (parameters.Reseeded > 0)
            summary = summary with
            {
                Warnings = summary.Warnings.Append($"soft k-means re-seeded {parameters.Reseeded} empty cluster(s) at the rows farthest from their centres.").ToArray(),
            };
        double tss = parameters.TotalSumOfSquares;
        double energy = -summary.FinalObjective * (tss > 0 ? tss : 1);
        return new SoftKMeansModel(Options, parameters.Centres, parameters.Weights, context.Center, energy, summary, context.Dtype, context.Device);
    }
}
