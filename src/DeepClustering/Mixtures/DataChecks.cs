using DeepClustering.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>Input checks shared by the EM estimators and models: clear ArgumentExceptions instead of native errors.</summary>
internal static class DataChecks
{
    public static void CheckDataset(Dataset data, int minRows, string what, string paramName = "data")
    {
        ArgumentNullException.ThrowIfNull(data, paramName);
        if (data.Rows == 0) throw new ArgumentException($"{paramName} has no rows; fitting needs at least {minRows}.", paramName);
        if (data.Rows < minRows)
            throw new ArgumentException($"{paramName} has {data.Rows} rows but {what}; supply more rows or lower the number of clusters.", paramName);
    }

    public static void CheckTensor(Tensor data, int minRows, string what, string paramName = "data")
    {
        ArgumentNullException.ThrowIfNull(data, paramName);
        if (data.IsInvalid) throw new ObjectDisposedException(paramName, $"{paramName} is a disposed tensor.");
        if (data.dim() != 2) throw new ArgumentException($"{paramName} must be a 2-D tensor (rows x features); got {data.dim()} dimensions.", paramName);
        if (!data.is_floating_point()) throw new ArgumentException($"{paramName} must be a floating-point tensor; got {data.dtype}.", paramName);
        if (data.shape[0] == 0) throw new ArgumentException($"{paramName} has no rows; fitting needs at least {minRows}.", paramName);
        if (data.shape[1] == 0) throw new ArgumentException($"{paramName} has no columns.", paramName);
        if (data.shape[0] < minRows)
            throw new ArgumentException($"{paramName} has {data.shape[0]} rows but {what}; supply more rows or lower the number of clusters.", paramName);
        CheckFinite(data, paramName);
    }

    public static void CheckFinite(Tensor data, string paramName = "data")
    {
        using var scope = NewDisposeScope();
        long cols = data.shape[^1];
        long first;
        if (HostReductions.Supports(data))
        {
            first = HostReductions.FirstNonFinite(data);
            if (first < 0) return;
        }
        else
        {
            var bad = isfinite(data).logical_not();
            if (!bad.any().item<bool>()) return;
            first = bad.reshape(-1).nonzero()[0, 0].item<long>();
        }
        throw new ArgumentException($"{paramName} contains a non-finite value (NaN or infinity) at row {first / cols}, column {first % cols}; remove or impute non-finite values first.", paramName);
    }

    public static void CheckWidth(long columns, int features, string paramName = "data")
    {
        if (columns != features)
            throw new ArgumentException($"{paramName} has {columns} features (columns) but the model was fitted on {features}.", paramName);
    }

    /// <summary>Working dtype for a tensor input: float64 stays float64, every other float type becomes float32.</summary>
    public static ScalarType WorkingType(Tensor data) => data.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
}
