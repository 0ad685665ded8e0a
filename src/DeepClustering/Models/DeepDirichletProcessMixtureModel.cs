using DeepClustering.Persistence;
using DeepClustering.Mixtures;
using DeepClustering.Training;

namespace DeepClustering.Models;

/// <summary>
/// A fitted <see cref="DeepDirichletProcessMixture"/>: the fine-tuned autoencoder and the latent Dirichlet-process
/// mixture with its learned number of clusters. <see cref="DeepClusteringModelBase.Clusters"/> is the truncation
/// level T; predictions use only the <see cref="ActiveComponents"/>, so labels take
/// <see cref="EffectiveClusters"/> distinct values at most.
/// </summary>
public sealed class DeepDirichletProcessMixtureModel : DeepClusteringModelBase
{
    /// <summary>Model type stored in files.</summary>
    public const string ModelTypeName = "DeepDirichletProcessMixture";
    private const int Version = 1;
    private readonly DeepDirichletProcessHead head;

    internal DeepDirichletProcessMixtureModel(DeepModelParts parts, DeepDirichletProcessHead head) : base(parts, head) => this.head = head;

    /// <inheritdoc />
    public override string ModelType => ModelTypeName;

    /// <inheritdoc />
    protected override int FormatVersion => Version;

    /// <summary>The options the model was fitted with.</summary>
    public new DeepDirichletProcessMixtureOptions Options => (DeepDirichletProcessMixtureOptions)base.Options;

    /// <summary>The truncation level T (same as <see cref="DeepClusteringModelBase.Clusters"/>).</summary>
    public int Truncation => Clusters;

    /// <summary>The learned number of clusters: latent components that survived pruning.</summary>
    public int EffectiveClusters { get { ThrowIfDisposed(); return head.EffectiveClusters; } }

    /// <summary>Label values (component slots) in use, by decreasing weight.</summary>
    public IReadOnlyList<int> ActiveComponents
    {
        get
        {
            var w = Weights;
            var active = DeepTensors.ToArray2D(head.Active.unsqueeze(0));
            return Enumerable.Range(0, Clusters).Where(k => active[0, k] > 0).OrderByDescending(k => w[k]).ToArray();
        }
    }

    /// <summary>Expected mixing weights of the latent mixture (T; 0 for pruned components).</summary>
    public double[] Weights
    {
        get
        {
            ThrowIfDisposed();
            var w = DeepTensors.ToArray2D(head.Weights.unsqueeze(0));
            return Enumerable.Range(0, Clusters).Select(k => (double)w[0, k]).ToArray();
        }
    }

    /// <summary>Posterior means of the latent components (T x latent size; rows of pruned components are 0).</summary>
    public float[,] ComponentMeans { get { ThrowIfDisposed(); return DeepTensors.ToArray2D(head.Means); } }

    /// <summary>Expected covariance of latent component <paramref name="component"/> (latent size x latent size; identity for a pruned slot).</summary>
    public float[,] ComponentCovariance(int component)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(component);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(component, Clusters);
        using var c = head.Covariances[component];
        return DeepTensors.ToArray2D(c);
    }

    /// <summary>The number of active components after the initial fit and after every training epoch.</summary>
    public IReadOnlyList<int> EffectiveClustersHistory { get { ThrowIfDisposed(); return head.EffectiveClustersHistory.ToArray(); } }

    /// <summary>Whether components were pruned, or the fit collapsed to one component or pruned none (see <see cref="Core.FitSummary.Warnings"/>).</summary>
    public DirichletProcessOutcome Outcome => DirichletProcessDiagnostics.Classify(EffectiveClusters, Clusters);

    /// <summary>Loads a model saved by <see cref="DeepClusteringModelBase.Save(Stream)"/> onto <paramref name="device"/>.</summary>
    /// <exception cref="ModelFormatException">Not a model of this type, an unsupported version, or damaged.</exception>
    public static DeepDirichletProcessMixtureModel Load(Stream source, string device = "cpu") =>
        LoadModel<DeepDirichletProcessMixtureModel, DeepDirichletProcessMixtureOptions>(source, ModelTypeName, Version, device, Create);

    /// <summary>Loads a model file.</summary>
    public static DeepDirichletProcessMixtureModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    /// <summary>Loads from an opened model file (used by <see cref="Persistence.ModelFile"/>).</summary>
    internal static DeepDirichletProcessMixtureModel Load(Persistence.ModelReader reader, string device) =>
        LoadModel<DeepDirichletProcessMixtureModel, DeepDirichletProcessMixtureOptions>(reader, ModelTypeName, Version, device, Create);

    private static DeepDirichletProcessMixtureModel Create(DeepModelParts parts, Persistence.ModelReader reader)
    {
        int clusters = reader.Get<int>("clusters");
        if (clusters < 2 || clusters > 100_000) throw new ModelFormatException($"the {ModelTypeName} file has an implausible truncation level {clusters}.");
        var history = reader.GetOptional<int[]>(DeepDirichletProcessHead.HistoryKey) ?? Array.Empty<int>();
        if (history.Any(v => v < 1 || v > clusters)) throw new ModelFormatException($"the {ModelTypeName} file has an invalid effective-cluster history.");
        var head = new DeepDirichletProcessHead(parts.Network.LatentSize, clusters);
        head.History.AddRange(history);
        return new DeepDirichletProcessMixtureModel(parts, head);
    }
}
