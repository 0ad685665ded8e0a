using DeepClustering.Mixtures;
using DeepClustering.Models;
using DeepClustering.Networks;
using DeepClustering.Persistence;
using DeepClustering.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Training;

// A minimal deep model written on the pipeline, as the extension-point example: learnable centres in latent
// space, soft assignments softmax(-‖z-μ‖²/T), loss = reconstruction + weight x soft k-means distortion.

public sealed record ToyOptions : DeepClusteringOptions
{
    public double ClusteringWeight { get; init; } = 0.1;
    public double Temperature { get; init; } = 1.0;
    /// <summary>Test switch: 1 = collapse every row into cluster 0, 2 = NaN loss, 3 = stop after the 2nd epoch.</summary>
    public int Mode { get; init; }
    public bool UseInitialClustering { get; init; }

    public override void Validate()
    {
        base.Validate();
        Core.OptionCheck.GreaterThan(nameof(Temperature), Temperature, 0);
    }
}

public sealed class ToyHead : DeepClusteringHead
{
    private readonly Parameter centres;
    private readonly double temperature;
    private readonly bool collapse;

    public ToyHead(int clusters, int latent, double temperature, bool collapse, Generator? generator) : base(nameof(ToyHead))
    {
        var c = zeros(clusters, latent);
        if (generator is not null) c.normal_(0, 1, generator);
        centres = new Parameter(c);
        this.temperature = temperature;
        this.collapse = collapse;
        RegisterComponents();
    }

    public override int Clusters => (int)centres.shape[0];

    public Parameter Centres => centres;

    public Tensor Distances(Tensor codes) => cdist(codes, centres).pow(2);

    public override Tensor Probabilities(Tensor inputs, Tensor codes)
    {
        if (collapse)
        {
            var p = zeros(codes.shape[0], Clusters, device: codes.device);
            p[TensorIndex.Colon, 0] = 1;
            return p;
        }
        return nn.functional.softmax(-Distances(codes) / temperature, 1);
    }

    public override void SaveState(ModelWriter writer)
    {
        writer.Set("head.temperature", temperature);
        writer.Set("head.collapse", collapse);
    }

    public static ToyHead Read(ModelReader reader, int clusters, int latent) =>
        new(clusters, latent, reader.Get<double>("head.temperature"), reader.Get<bool>("head.collapse"), null);
}

public sealed class ToyModel : DeepClusteringModelBase
{
    public const string TypeName = "Toy";

    internal ToyModel(DeepModelParts parts, ToyHead head) : base(parts, head) { }

    public override string ModelType => TypeName;

    public new ToyOptions Options => (ToyOptions)base.Options;

    public static ToyModel Load(Stream source, string device = "cpu") =>
        LoadModel<ToyModel, ToyOptions>(source, TypeName, 1, device,
            (parts, reader) => new ToyModel(parts, ToyHead.Read(reader, reader.Get<int>("clusters"), parts.Network.LatentSize)));
}

public sealed class Toy(ToyOptions options, ILogger? logger = null) : DeepClusteringEstimatorBase<ToyOptions, ToyHead, ToyModel>(options, logger)
{
    public List<string> Calls { get; } = new();

    /// <summary>Per joint-training batch: the largest |input − row| the loss hook saw (0 unless JointAugment).</summary>
    public List<float> InputChanges { get; } = new();

    protected override ToyHead CreateHead(DeepTrainingContext context)
    {
        Calls.Add("CreateHead");
        return new ToyHead(Options.Clusters, context.LatentSize, Options.Temperature, Options.Mode == 1, context.Random.Generator);
    }

    protected override InitialClusteringSettings? GetInitialClustering(ToyOptions options) =>
        options.UseInitialClustering ? base.GetInitialClustering(options) : null;

    protected override void Initialize(DeepTrainingContext context, ToyHead head, InitialClusteringResult? initial)
    {
        Calls.Add(initial is null ? "Initialize(null)" : "Initialize");
        if (initial?.Model is GaussianMixtureModel gmm) Calls.Add($"InitialMixture({gmm.Covariance})");
        using var noGrad = no_grad();
        if (initial is not null) head.Centres.copy_(initial.Means);
        else
        {
            // Centres on randomly chosen codes.
            using var codes = context.EncodeAll();
            using var pick = context.Random.Permutation(context.Rows, context.Device).narrow(0, 0, context.Clusters);
            head.Centres.copy_(codes.index_select(0, pick));
        }
    }

    protected override void BeginEpoch(DeepTrainingContext context, ToyHead head, int epoch) => Calls.Add($"BeginEpoch({epoch})");

    protected override DeepLoss ComputeLoss(DeepTrainingContext context, ToyHead head, DeepBatch batch)
    {
        using (no_grad())
        using (var rows = context.Data.index_select(0, batch.Indices))
            InputChanges.Add(batch.Inputs.sub(rows).abs().max().item<float>());
        var codes = context.Network.Encode(batch.Inputs);
        var reconstruction = nn.functional.mse_loss(context.Network.Decode(codes), batch.Inputs);
        var p = head.Probabilities(batch.Inputs, codes);
        var distortion = (p * head.Distances(codes)).sum(dim: 1).mean();
        var total = reconstruction + Options.ClusteringWeight * distortion;
        if (Options.Mode == 2) total = total * float.NaN;
        return new DeepLoss(total, ("reconstruction", reconstruction), ("distortion", distortion)) { Probabilities = p };
    }

    protected override bool EndEpoch(DeepTrainingContext context, ToyHead head, DeepEpochResult result)
    {
        Calls.Add($"EndEpoch({result.Epoch})");
        return Options.Mode == 3 && result.Epoch == 1;
    }

    protected override bool HasStoppingCriterion => Options.Mode == 3;

    protected override string CollapseAdvice => "raise ClusteringWeight";

    protected override ToyModel CreateModel(DeepModelParts parts, ToyHead head)
    {
        Calls.Add("CreateModel");
        return new ToyModel(parts, head);
    }
}
