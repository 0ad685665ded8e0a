namespace DeepClustering.Data;

/// <summary>Feature scaling applied before clustering (see <see cref="Scaler"/>).</summary>
public enum ScalerKind
{
    /// <summary>No scaling: values are used as they are.</summary>
    None,

    /// <summary>Zero mean and unit variance per feature (population standard deviation, as scikit-learn's StandardScaler).</summary>
    Standardize,

    /// <summary>Each feature mapped to [0, 1] by its minimum and maximum (scikit-learn's MinMaxScaler).</summary>
    MinMax,
}
