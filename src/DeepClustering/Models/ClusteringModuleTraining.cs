using DeepClustering.Core;
using DeepClustering.Mixtures;
using DeepClustering.Networks;
using DeepClustering.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>Settings of <see cref="ClusteringModuleTraining.Train"/>.</summary>
internal sealed record ModuleTrainingSettings(int Epochs, int BatchSize, double LearningRate, double AdamEpsilon, double Concentration,
    ClusteringModuleLossScale Scale, bool AveragingEpoch);

/// <summary>What one epoch of <see cref="ClusteringModuleTraining.Train"/> produced.</summary>
internal sealed record ModuleEpoch(int Epoch, int TotalEpochs, double Loss, IReadOnlyDictionary<string, double> Terms, int[] ClusterSizes);

/// <summary>
/// The clustering module's own loss and training loop on fixed inputs (raw features for the shallow module,
/// frozen pretrained codes for the deep variant's warm-up).
/// </summary>
internal static class ClusteringModuleTraining
{
    /// <summary>Term names in progress reports.</summary>
    public const string CodeReconstructionTerm = "codeReconstruction", SparsityTerm = "sparsity", CouplingTerm = "coupling",
        OrthonormalityTerm = "orthonormality", DirichletTerm = "dirichletPrior", ReconstructionTerm = "reconstruction";

    /// <summary>
    /// The module's loss E1 + E2 + E3 + E4 on a batch, with E1..E3 divided by B·d for the normalised scale. Returns
    /// the total and the (scaled) terms.
    /// </summary>
    public static (Tensor Total, (string Name, Tensor Value)[] Terms) ModuleLoss(Tensor inputs, Tensor assignments, Tensor centroids,
        double concentration, ClusteringModuleLossScale scale)
    {
        double norm = scale == ClusteringModuleLossScale.Normalized ? 1.0 / (inputs.shape[0] * inputs.shape[1]) : 1.0;
        var e1 = ClusteringModuleLoss.CodeReconstruction(inputs, assignments, centroids).mul(norm);
        var e2 = ClusteringModuleLoss.Sparsity(assignments, centroids).mul(norm);
        var e3 = ClusteringModuleLoss.Coupling(assignments, centroids).mul(norm);
        var e4 = ClusteringModuleLoss.DirichletPrior(assignments, concentration);
        return (e1 + e2 + e3 + e4, new[] { (CodeReconstructionTerm, e1), (SparsityTerm, e2), (CouplingTerm, e3), (DirichletTerm, e4) });
    }

    /// <summary>
    /// Trains <paramref name="layer"/> (on the data's device) on <paramref name="data"/> (N x d) with Adam, shuffled
    /// mini-batches from the random source and, when asked, the final averaging epoch (counted as one more epoch).
    /// Reports every epoch to <paramref name="onEpoch"/>; checks cancellation every batch. Returns the mean loss per epoch.
    /// </summary>
    public static List<double> Train(ClusteringModuleLayer layer, Tensor data, ModuleTrainingSettings settings, RandomSource random,
        Action<ModuleEpoch>? onEpoch, string failurePhase, CancellationToken cancellationToken)
    {
        long n = data.shape[0];
        int k = layer.Clusters;
        int total = settings.Epochs + (settings.AveragingEpoch && settings.Epochs > 0 ? 1 : 0);
        var history = new List<double>(total);
        if (total == 0) return history;
        var parameters = layer.parameters().ToArray();
        using var optimizer = BufferedAdam.Create(parameters, settings.LearningRate, eps: settings.AdamEpsilon);
        using var lossSum = zeros(1, dtype: ScalarType.Float64, device: data.device);
        using var counts = zeros(new long[] { k }, ScalarType.Int64, data.device);
        var termSums = new Dictionary<string, Tensor>();
        WeightAveraging? averaging = null;
        layer.train();
        try
        {
            for (int epoch = 0; epoch < total; epoch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                bool averagingEpoch = settings.AveragingEpoch && epoch == total - 1;
                if (averagingEpoch) averaging = new WeightAveraging(parameters);
                lossSum.zero_();
                counts.zero_();
                foreach (var t in termSums.Values) t.zero_();
                using var permutation = random.Permutation(n, data.device);
                for (long start = 0; start < n; start += settings.BatchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    long size = Math.Min(settings.BatchSize, n - start);
                    var batch = data.index_select(0, permutation.narrow(0, start, size));
                    var gamma = layer.Assignments(batch);
                    var (loss, terms) = ModuleLoss(batch, gamma, layer.Centroids, settings.Concentration, settings.Scale);
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                    averaging?.Add();
                    using (no_grad())
                    {
                        lossSum.add_(loss.detach(), alpha: size);
                        foreach (var (name, value) in terms)
                        {
                            if (!termSums.TryGetValue(name, out var sum))
                                termSums[name] = sum = zeros(1, dtype: ScalarType.Float64, device: data.device).DetachFromDisposeScope();
                            sum.add_(value.detach(), alpha: size);
                        }
                        counts.add_(gamma.detach().argmax(1).bincount(null, k));
                    }
                }
                averaging?.Apply();
                double mean = lossSum.item<double>() / n;
                if (!double.IsFinite(mean))
                    throw new ClusteringNumericsException(
                        $"the clustering module's loss became {mean} in epoch {epoch + 1} of {failurePhase}; lower LearningRate (now {settings.LearningRate}) or scale the data (Scaler = ScalerKind.Standardize).");
                history.Add(mean);
                var sizes = averagingEpoch ? ClusterSizes(layer, data) : DeepTensors.ToIntArray(counts);
                var means = termSums.ToDictionary(kv => kv.Key, kv => kv.Value.item<double>() / n);
                onEpoch?.Invoke(new ModuleEpoch(epoch, total, mean, means, sizes));
            }
            return history;
        }
        finally
        {
            averaging?.Dispose();
            foreach (var t in termSums.Values) t.Dispose();
            layer.eval();
        }
    }

    /// <summary>
    /// Runs k-means on <paramref name="data"/> (seeded from <paramref name="seed"/>, on the data's device) and returns
    /// the centres (a new tensor the caller owns) and the inertia.
    /// </summary>
    public static (Tensor Centres, double Inertia) KMeansCentres(Tensor data, int clusters, int restarts, int seed, string device,
        CancellationToken cancellationToken)
    {
        var options = new KMeansOptions { Clusters = clusters, Restarts = restarts, Seed = seed, Device = device };
        using var kmeans = new KMeans(options).FitTensor(data, cancellationToken: cancellationToken);
        return (kmeans.CentroidsTensor(), kmeans.Inertia);
    }

    /// <summary>
    /// Sets the layer from k-means centres of <paramref name="rows"/> rows with total <paramref name="inertia"/>: the
    /// authors' pseudo-inverse encoder, or the posterior of the isotropic mixture with the pooled variance.
    /// </summary>
    public static void SetFromCentres(ClusteringModuleLayer layer, Tensor centres, double inertia, long rows, ClusteringModuleInit init)
    {
        if (init == ClusteringModuleInit.KMeansPseudoInverse)
        {
            layer.SetFromCentroids(centres);
            return;
        }
        // Pooled within-cluster variance; floored so that identical rows do not give an infinite inverse temperature.
        double variance = Math.Max(inertia / ((double)rows * layer.InputSize), 1e-8);
        layer.SetFromMixture(centres, variance);
    }

    /// <summary>Hard cluster sizes of <paramref name="data"/> under the layer's current weights.</summary>
    public static int[] ClusterSizes(ClusteringModuleLayer layer, Tensor data)
    {
        using var labels = AutoencoderTraining.MapChunks(data, b => layer.Logits(b).argmax(1));
        using var counts = labels.bincount(null, layer.Clusters);
        return DeepTensors.ToIntArray(counts);
    }

    /// <summary>
    /// The collapse warning for the given sizes (largest cluster at or above <paramref name="threshold"/> of the rows),
    /// or null.
    /// </summary>
    public static string? CollapseMessage(IReadOnlyList<int> sizes, double threshold, string when, string advice)
    {
        if (sizes.Count < 2) return null;
        long rows = sizes.Sum(s => (long)s);
        if (rows == 0) return null;
        int largest = 0;
        for (int i = 1; i < sizes.Count; i++) if (sizes[i] > sizes[largest]) largest = i;
        double share = (double)sizes[largest] / rows;
        if (share < threshold) return null;
        return $"cluster collapse {when}: cluster {largest} holds {share:P1} of the rows ({sizes.Count(s => s > 0)} of {sizes.Count} clusters in use); {advice}.";
    }

    /// <summary>The empty-cluster warning for the given sizes, or null when every cluster holds a row.</summary>
    public static string? EmptyClustersMessage(IReadOnlyList<int> sizes, string when, string advice)
    {
        var empty = Enumerable.Range(0, sizes.Count).Where(i => sizes[i] == 0).ToArray();
        if (empty.Length == 0) return null;
        return $"{empty.Length} of {sizes.Count} clusters are empty {when} (cluster{(empty.Length > 1 ? "s" : "")} {string.Join(", ", empty)}); {advice}.";
    }
}
