namespace DeepClustering.Core;

/// <summary>Phases a fit goes through.</summary>
public enum TrainingPhase
{
    /// <summary>Autoencoder pretraining.</summary>
    Pretraining,
    /// <summary>Initial clustering (k-means, mixture initialisation).</summary>
    Initialization,
    /// <summary>Main iterations (EM steps or joint training epochs).</summary>
    Training,
    /// <summary>Final assignment / E-step.</summary>
    Finalizing,
}

/// <summary>One progress report.</summary>
/// <param name="Phase">Current phase.</param>
/// <param name="Restart">Restart index (0-based) for estimators with restarts.</param>
/// <param name="Iteration">1-based iteration or epoch within the phase.</param>
/// <param name="TotalIterations">Iteration limit of the phase.</param>
/// <param name="Objective">Current objective (lower bound, inertia or loss).</param>
/// <param name="ClusterSizes">Hard cluster sizes, when known.</param>
/// <param name="EffectiveClusters">Number of clusters in use, when the model learns it.</param>
/// <param name="Terms">Named loss terms, for models with composite objectives.</param>
/// <param name="Message">A short human-readable note (for example a collapse warning).</param>
public sealed record TrainingProgress(
    TrainingPhase Phase,
    int Restart,
    int Iteration,
    int TotalIterations,
    double Objective,
    IReadOnlyList<int>? ClusterSizes = null,
    int? EffectiveClusters = null,
    IReadOnlyDictionary<string, double>? Terms = null,
    string? Message = null);
