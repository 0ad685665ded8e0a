using DeepClustering.Core;
using DeepClustering.Mixtures;
using DeepClustering.Models;
using DeepClustering.Training;

namespace DeepClustering.Cli;

/// <summary>One model reachable through <c>--model</c>.</summary>
internal sealed record ModelEntry(string Name, string Description, Func<CliModelSettings, Data.Dataset, IClusteringEstimator<IClusteringModel>> Create);

/// <summary>Every model the CLI can fit, by name. Adding a model is one entry here.</summary>
internal static class ModelCatalog
{
    public static readonly IReadOnlyList<ModelEntry> Entries =
    [
        new("kmeans", "k-means++ seeding and chunked Lloyd iterations (EM engine).", (s, d) => new KMeans(Set(new KMeansOptions
        {
            Clusters = s.Clusters ?? DefaultClusters(d), Seed = s.Seed, Device = s.Device,
            Restarts = s.Restarts ?? new KMeansOptions().Restarts,
            MaxIterations = s.MaxIterations ?? new KMeansOptions().MaxIterations,
        }, s))),
        new("gmm", "Gaussian mixture fitted by EM (--covariance full|diag|spherical|tied).", (s, d) => new GaussianMixture(Set(new GaussianMixtureOptions
        {
            Components = s.Clusters ?? DefaultClusters(d), Seed = s.Seed, Device = s.Device,
            Covariance = ParseCovariance(s.Covariance),
            Restarts = s.Restarts ?? new GaussianMixtureOptions().Restarts,
            MaxIterations = s.MaxIterations ?? new GaussianMixtureOptions().MaxIterations,
        }, s))),
        new("ae-gmm", "Autoencoder pretraining, then a Gaussian mixture (or k-means) on the codes: the deep baseline.", (s, d) =>
            new AutoencoderMixture(Deep(s.Covariance is null ? new AutoencoderMixtureOptions() : new AutoencoderMixtureOptions { Covariance = ParseCovariance(s.Covariance) }, s, d))),
        new("clustering-module", "AE-CM: an autoencoder trained jointly with the clustering module (a GMM written as an autoencoder).", (s, d) =>
            new ClusteringModuleAutoencoder(Deep(new ClusteringModuleAutoencoderOptions(), s, d))),
        new("clustering-module-shallow", "The clustering module alone on the features (soft k-means as an autoencoder).", (s, d) => new ClusteringModule(Set(new ClusteringModuleOptions
        {
            Clusters = s.Clusters ?? DefaultClusters(d), Seed = s.Seed, Device = s.Device,
            Epochs = s.Epochs ?? new ClusteringModuleOptions().Epochs,
            BatchSize = s.BatchSize ?? new ClusteringModuleOptions().BatchSize,
            LearningRate = s.LearningRate ?? new ClusteringModuleOptions().LearningRate,
        }, s))),
        new("mixae", "MIXAE: K autoencoders run as one grouped network, plus an assignment network on their codes.", (s, d) =>
            new MixtureOfAutoencoders(Deep(MixtureInit(MixtureOfAutoencodersVariant.Mixae, s), s, d))),
        new("damic", "DAMIC: mixture of autoencoders whose assignment follows the reconstruction errors; k-means initialisation from a pretrained autoencoder (--pretrain-epochs 0: random weights).", (s, d) =>
            new MixtureOfAutoencoders(Deep(MixtureInit(MixtureOfAutoencodersVariant.Damic, s), s, d))),
        new("sr-kmeans", "SR-K-means: deep soft regularised k-means (tanh-bounded codes, closed-form soft means and assignments).", (s, d) =>
            new SoftRegularizedKMeans(Deep(new SoftRegularizedKMeansOptions(), s, d))),
        new("neural-em", "NeuralMixtureEM: a network whose output neurons are the cluster densities, trained by batch-wise EM (+ consistency).", (s, d) =>
            new NeuralMixtureEm(Deep(new NeuralMixtureEmOptions(), s, d))),
        new("dpgmm", "Deep Dirichlet-process mixture: a DP-GMM in the latent space trained jointly with the autoencoder (alpha-Jensen-Shannon loss); learns the number of clusters (--clusters is the truncation level, default 30).", (s, d) =>
            new DeepDirichletProcessMixture(Deep(new DeepDirichletProcessMixtureOptions(), s with { Clusters = s.Clusters ?? DeepDirichletProcessMixtureOptions.DefaultTruncation }, d))),
        new("dpgmm-shallow", "Variational Dirichlet-process Gaussian mixture on the features: learns the number of clusters (--clusters is the truncation level, default 20).", (s, d) =>
            new DirichletProcessGaussianMixture(Set(new DirichletProcessGaussianMixtureOptions
            {
                Components = s.Clusters ?? DirichletProcessGaussianMixtureOptions.DefaultTruncation, Seed = s.Seed, Device = s.Device,
                Covariance = ParseCovariance(s.Covariance),
                Restarts = s.Restarts ?? 1,
                MaxIterations = s.MaxIterations ?? new DirichletProcessGaussianMixtureOptions().MaxIterations,
            }, s))),
    ];

    /// <summary>
    /// MIXAE starts from random weights, as its paper does, unless --pretrain-epochs &gt; 0 asks for the k-means
    /// initialisation. DAMIC uses its paper's initialisation by default (k-means on the codes of a 50-epoch
    /// pretrained autoencoder; on MNIST-test, seed 0, ACC 0.81 against 0.53 from random weights);
    /// --pretrain-epochs 0 selects random weights.
    /// </summary>
    private static MixtureOfAutoencodersOptions MixtureInit(MixtureOfAutoencodersVariant variant, CliModelSettings s)
    {
        bool kmeans = variant == MixtureOfAutoencodersVariant.Damic ? s.PretrainEpochs is not 0 : s.PretrainEpochs > 0;
        return new()
        {
            Variant = variant,
            Initialization = kmeans ? MixtureOfAutoencodersInitialization.KMeans : MixtureOfAutoencodersInitialization.Random,
            PretrainEpochs = kmeans ? s.PretrainEpochs ?? DamicPretrainEpochs : 0,
        };
    }

    private const int DamicPretrainEpochs = 50;

    /// <summary>Applies the shared deep-model flags to a deep model's options (unset flags keep the model's defaults).</summary>
    private static T Deep<T>(T options, CliModelSettings s, Data.Dataset d) where T : DeepClusteringOptions
    {
        DeepClusteringOptions o = options with
        {
            Clusters = s.Clusters ?? DefaultClusters(d),
            Seed = s.Seed,
            Device = s.Device,
            Epochs = s.Epochs ?? options.Epochs,
            PretrainEpochs = s.PretrainEpochs ?? options.PretrainEpochs,
            BatchSize = s.BatchSize ?? options.BatchSize,
            LearningRate = s.LearningRate ?? options.LearningRate,
            LatentSize = s.LatentSize ?? options.LatentSize,
            Restarts = s.Restarts ?? options.Restarts,
        };
        return Set((T)o, s);
    }

    /// <summary>Applies <c>--set Name=Value</c> to the options the catalog just built.</summary>
    private static T Set<T>(T options, CliModelSettings s) where T : notnull => OptionOverrides.Apply(options, s.Set ?? []);

    public static ModelEntry Find(string name) =>
        Entries.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"--model '{name}' is unknown; choose one of: {string.Join(", ", Entries.Select(e => e.Name))}.");

    /// <summary>Without --clusters, use the number of classes when the data are labelled.</summary>
    public static int DefaultClusters(Data.Dataset data) =>
        data.Labels is { } y ? y.Distinct().Count()
        : throw new ArgumentException("--clusters is required for unlabelled data.");

    public static CovarianceType ParseCovariance(string? value) => (value ?? "full").ToLowerInvariant() switch
    {
        "full" => CovarianceType.Full,
        "diag" or "diagonal" => CovarianceType.Diagonal,
        "spherical" => CovarianceType.Spherical,
        "tied" => CovarianceType.Tied,
        _ => throw new ArgumentException($"--covariance '{value}' is unknown; choose full, diag, spherical or tied."),
    };
}
