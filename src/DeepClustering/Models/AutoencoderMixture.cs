using DeepClustering.Core;
using DeepClustering.Training;
using Microsoft.Extensions.Logging;

namespace DeepClustering.Models;

/// <summary>
/// "Autoencoder + mixture in latent space" (CLI model <c>ae-gmm</c>): pretrain an autoencoder by reconstruction,
/// then fit a Gaussian mixture (default, full covariances) or k-means on its codes. It is the baseline the
/// jointly trained deep models must beat (published AE + k-means on MNIST: ACC 0.818). Runs on the shared deep
/// pipeline with no joint-training epochs; pass <see cref="DeepClusteringOptions.PretrainedAutoencoder"/> to
/// compare clusterings on one pretrained network.
/// </summary>
/// <example>
/// <code>
/// var mnist = EmbeddedDatasets.Load("mnist-test");
/// using var model = new AutoencoderMixture(new AutoencoderMixtureOptions { Clusters = 10, Seed = 0 }).Fit(mnist);
/// double acc = ClusterScores.Accuracy(mnist.Labels!, model.Predict(mnist));
/// </code>
/// </example>
public sealed class AutoencoderMixture : DeepClusteringEstimatorBase<AutoencoderMixtureOptions, AutoencoderMixtureHead, AutoencoderMixtureModel>
{
    /// <summary>Creates the estimator.</summary>
    public AutoencoderMixture(AutoencoderMixtureOptions options, ILogger? logger = null) : base(options, logger) { }

    /// <inheritdoc />
    protected override InitialClusteringSettings? GetInitialClustering(AutoencoderMixtureOptions options) =>
        new(options.Clusterer, options.InitialClusteringRestarts, options.Covariance, options.MaxIterations, options.CovarianceRegularization);

    /// <inheritdoc />
    protected override TrainingPhase InitialClusteringPhase => TrainingPhase.Training;

    /// <inheritdoc />
    protected override int GetTrainingEpochs(AutoencoderMixtureOptions options) => 0;

    /// <inheritdoc />
    protected override string CollapseAdvice => "use Clusterer = KMeans, more PretrainEpochs, or fewer Clusters";

    /// <inheritdoc />
    protected override AutoencoderMixtureHead CreateHead(DeepTrainingContext context) => new(Options.Clusters);

    /// <inheritdoc />
    protected override void Initialize(DeepTrainingContext context, AutoencoderMixtureHead head, InitialClusteringResult? initial) =>
        head.SetClusterer(initial!.TakeModel());

    /// <inheritdoc />
    protected override DeepLoss ComputeLoss(DeepTrainingContext context, AutoencoderMixtureHead head, DeepBatch batch) =>
        throw new NotSupportedException("AutoencoderMixture has no joint training.");

    /// <inheritdoc />
    protected override AutoencoderMixtureModel CreateModel(Models.DeepModelParts parts, AutoencoderMixtureHead head) => new(parts, head);
}
