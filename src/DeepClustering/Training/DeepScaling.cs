using DeepClustering.Data;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>Input scaling of the deep models, on top of the data layer's <see cref="Scaler"/>.</summary>
internal static class DeepScaling
{
    /// <summary>
    /// Fits the scaler a deep model uses: the given kind, or when null, none for image data (pixels are already
    /// in [0, 1]; per-pixel z-scores would blow up rare border pixels) and standardisation for tabular data.
    /// </summary>
    public static Scaler Fit(Dataset data, ScalerKind? kind) =>
        Scaler.Fit(data, kind ?? (data.Image is null ? ScalerKind.Standardize : ScalerKind.None));

    /// <summary>The scaled data as a new N x D float32 tensor on <paramref name="device"/>.</summary>
    public static Tensor ToTensor(Scaler scaler, Dataset data, Device device)
    {
        if (data.Columns != scaler.Features)
            throw new ArgumentException($"the model was fitted on {scaler.Features} features; got {data.Columns}.", nameof(data));
        var x = data.ToTensor(device);
        if (scaler.Kind == ScalerKind.None) return x;
        using (x) return scaler.Transform(x);
    }
}
