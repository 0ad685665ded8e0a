using DeepClustering.Data;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>How input features are scaled before they reach a network.</summary>
public enum ScalerKind
{
    /// <summary>Images are used as given (pixels are expected in [0, 1]); tabular data are standardised.</summary>
    Auto,
    /// <summary>No scaling.</summary>
    None,
    /// <summary>Per-feature z-score (mean 0, standard deviation 1; constant features are only centred).</summary>
    Standard,
    /// <summary>Per-feature min-max scaling to [0, 1].</summary>
    MinMax,
}

/// <summary>
/// A fitted per-feature affine scaling, x' = (x − Shift) / Scale. Provisional: replaced by the data layer's scaler
/// once it is available.
/// </summary>
internal sealed record FeatureScaler(ScalerKind Kind, float[] Shift, float[] Scale)
{
    public int Features => Shift.Length;

    public static FeatureScaler Fit(Dataset data, ScalerKind kind)
    {
        int d = data.Columns, n = data.Rows;
        var shift = new float[d];
        var scale = Enumerable.Repeat(1f, d).ToArray();
        if (kind == ScalerKind.Auto) kind = data.Image is null ? ScalerKind.Standard : ScalerKind.None;
        if (kind == ScalerKind.None || n == 0) return new FeatureScaler(ScalerKind.None, shift, scale);
        var values = data.Values.Span;
        if (kind == ScalerKind.Standard)
        {
            var mean = new double[d];
            var sq = new double[d];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < d; j++) mean[j] += values[i * d + j];
            for (int j = 0; j < d; j++) mean[j] /= n;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < d; j++) { double v = values[i * d + j] - mean[j]; sq[j] += v * v; }
            for (int j = 0; j < d; j++)
            {
                double sd = Math.Sqrt(sq[j] / n);
                shift[j] = (float)mean[j];
                scale[j] = sd > 1e-12 ? (float)sd : 1f;
            }
        }
        else
        {
            var min = Enumerable.Repeat(double.PositiveInfinity, d).ToArray();
            var max = Enumerable.Repeat(double.NegativeInfinity, d).ToArray();
            for (int i = 0; i < n; i++)
                for (int j = 0; j < d; j++) { double v = values[i * d + j]; if (v < min[j]) min[j] = v; if (v > max[j]) max[j] = v; }
            for (int j = 0; j < d; j++)
            {
                shift[j] = (float)min[j];
                scale[j] = max[j] - min[j] > 1e-12 ? (float)(max[j] - min[j]) : 1f;
            }
        }
        return new FeatureScaler(kind, shift, scale);
    }

    /// <summary>Scaled copy of rows [start, start+count) on <paramref name="device"/>.</summary>
    public Tensor Transform(Dataset data, int start, int count, Device device)
    {
        if (data.Columns != Features)
            throw new ArgumentException($"the data have {data.Columns} features but the scaler was fitted on {Features}.", nameof(data));
        var x = data.ToTensor(start, count, device);
        if (Kind == ScalerKind.None) return x;
        using var s = tensor(Shift).to(device);
        using var c = tensor(Scale).to(device);
        return x.sub_(s).div_(c);
    }

    public Tensor Transform(Dataset data, Device device) => Transform(data, 0, data.Rows, device);
}
