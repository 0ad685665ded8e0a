using DeepClustering.Data;
using DeepClustering.Networks;
using DeepClustering.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>Stores and restores an autoencoder network with its architecture and input scaler.</summary>
internal static class NetworkPersistence
{
    private sealed record ScalerState(ScalerKind Kind, double[] Offset, double[] Scale);

    public static void Write(ModelWriter writer, AutoencoderNetwork network, Scaler scaler)
    {
        writer.Set("architecture", network.Architecture);
        writer.Set("features", network.InputSize);
        writer.Set("scaler", new ScalerState(scaler.Kind, scaler.Offset.ToArray(), scaler.Scale.ToArray()));
        writer.AddModule("network", network);
    }

    public static (AutoencoderNetwork Network, Scaler Scaler) Read(ModelReader reader, Device device)
    {
        var architecture = reader.Get<AutoencoderArchitecture>("architecture");
        try { architecture.Validate(); }
        catch (ArgumentException e) { throw new ModelFormatException("the stored network architecture is invalid: " + e.Message, e); }
        if (reader.Get<int>("features") != architecture.InputSize)
            throw new ModelFormatException("the stored feature count does not match the network's input size.");
        var state = reader.Get<ScalerState>("scaler");
        Scaler scaler;
        try { scaler = Scaler.FromState(state.Kind, state.Offset ?? Array.Empty<double>(), state.Scale ?? Array.Empty<double>()); }
        catch (ArgumentException e) { throw new ModelFormatException("the stored input scaler is damaged: " + e.Message, e); }
        if (scaler.Features != architecture.InputSize) throw new ModelFormatException("the stored input scaler does not match the network's input size.");
        // The network is built (allocated) before its weights are read: an architecture edited to huge widths would
        // allocate gigabytes first. Its float32 weight matrices hold at least the products of consecutive widths,
        // so they must fit in what the file's network tensors can hold.
        var widths = new List<long>();
        if (architecture.Kind == NetworkKind.Mlp) widths.Add(architecture.InputSize);
        widths.AddRange(architecture.HiddenSizes.Select(h => (long)h));
        widths.Add(architecture.LatentSize);
        long minimumBytes = 4 * Enumerable.Range(0, widths.Count - 1).Sum(i => widths[i] * widths[i + 1]);
        if (minimumBytes > reader.StoredTensorBytes("network/"))
            throw new ModelFormatException($"the stored network architecture ({architecture}) needs more weights than the file holds; the file is damaged.");
        var network = architecture.Create(generator: null);
        try
        {
            reader.LoadModule("network", network);
            network.to(device);
            network.eval();
            return (network, scaler);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }
}
