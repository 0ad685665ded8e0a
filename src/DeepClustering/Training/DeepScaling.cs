using DeepClustering.Data;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>Input scaling of the deep models, on top of the data layer's <see cref="Scaler"/>.</summary>
internal static class DeepScaling
{
    /// <summary>
    /// Fits the scaler a deep model uses: the given kind, or when null, <see cref="DefaultKind"/>.
    /// </summary>
    public static Scaler Fit(Dataset data, ScalerKind? kind, bool tanhCode = false) => Scaler.Fit(data, kind ?? DefaultKind(data, tanhCode));

    /// <summary>
    /// The scaling a null option means: standardisation for tabular data; none for images (pixels in [0, 1];
    /// per-pixel z-scores would blow up rarely lit border pixels), except images with values outside [0, 1] for a
    /// network with a tanh code: raw pixel values (0–16, 0–255) saturate the tanh at initialisation and pretraining
    /// stalls at the mean image, so those are standardised too.
    /// </summary>
    public static ScalerKind DefaultKind(Dataset data, bool tanhCode)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Image is null) return ScalerKind.Standardize;
        if (tanhCode)
            foreach (var v in data.Values.Span)
                if (!(v >= 0f && v <= 1f)) return ScalerKind.Standardize;
        return ScalerKind.None;
    }

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
