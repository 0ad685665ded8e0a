using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// The EM engine works on rows minus a centring vector (the training mean): distances and second moments then
/// keep their precision in float32 whatever the data's offset (translation invariance).
/// </summary>
internal static class Centering
{
    /// <summary>Column means of <paramref name="data"/> in double precision (D), on <paramref name="device"/>.</summary>
    public static Tensor ColumnMeans(Tensor data, Device device)
    {
        using var scope = NewDisposeScope();
        if (HostReductions.Supports(data))
        {
            var sums = HostReductions.ColumnSums(data, (int)data.shape[1]);
            return (tensor(sums) / data.shape[0]).to(device).MoveToOuterDisposeScope();
        }
        var m = data.sum(dim: 0, type: ScalarType.Float64) / data.shape[0];
        return m.to(device).MoveToOuterDisposeScope();
    }

    /// <summary>(data − center) in <paramref name="dtype"/> on <paramref name="device"/>; the input is not modified.</summary>
    public static Tensor Apply(Tensor data, Tensor center, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var x = data.to(dtype, device);
        var c = center.to(dtype, device);
        // A converted or moved copy is ours to centre in place (one pass and one allocation fewer); the caller's
        // tensor itself is never modified.
        bool copied = data.dtype != dtype || data.device.type != device.type || data.device.index != device.index;
        return (copied ? x.sub_(c) : x - c).MoveToOuterDisposeScope();
    }
}
