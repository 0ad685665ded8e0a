namespace DeepClustering.Cli;

/// <summary>The model options a user can set from the command line; each model maps the ones that apply.</summary>
internal sealed record CliModelSettings(
    int? Clusters,
    int Seed,
    string Device,
    string? Covariance,
    int? Restarts,
    int? MaxIterations,
    int? Epochs,
    int? PretrainEpochs,
    int? BatchSize,
    double? LearningRate,
    int? LatentSize,
    IReadOnlyList<string>? Set = null);
