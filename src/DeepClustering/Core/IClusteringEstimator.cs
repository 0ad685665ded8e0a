using DeepClustering.Data;

namespace DeepClustering.Core;

/// <summary>
/// An untrained clustering algorithm configured by an options object. <see cref="Fit"/> returns a separate,
/// fitted model; the estimator itself never holds learned state and can be fitted again.
/// </summary>
/// <typeparam name="TModel">The fitted model type.</typeparam>
public interface IClusteringEstimator<out TModel> where TModel : IClusteringModel
{
    /// <summary>
    /// Fits the model. The options are validated first (<see cref="ArgumentOutOfRangeException"/> naming the
    /// option); the data are never mutated. Cancellation is observed at least once per iteration or batch and
    /// throws <see cref="OperationCanceledException"/> without returning a partially trained model.
    /// </summary>
    /// <param name="data">Training data.</param>
    /// <param name="progress">Optional progress sink (phase, iteration, objective, cluster sizes).</param>
    /// <param name="cancellationToken">Cancels the fit.</param>
    TModel Fit(Dataset data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default);
}
