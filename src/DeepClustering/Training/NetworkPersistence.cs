using DeepClustering.Networks;
using DeepClustering.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>Stores and restores an autoencoder network with its architecture and input scaler.</summary>
internal static class NetworkPersistence
{
    private sealed record ScalerState(ScalerKind Kind, float[] Shift, float[] Scale);

    public static void Write(ModelWriter writer, AutoencoderNetwork network, FeatureScaler scaler)
    {
        writer.Set("architecture", network.Architecture);
        writer.Set("features", network.InputSize);
        writer.Set("scaler", new ScalerState(scaler.Kind, scaler.Shift, scaler.Scale));
        writer.AddModule("network", network);
    }

    public static (AutoencoderNetwork Network, FeatureScaler Scaler) Read(ModelReader reader, Device device)
    {
        var architecture = reader.Get<AutoencoderArchitecture>("architecture");
        try { architecture.Validate(); }
        catch (ArgumentException e) { throw new ModelFormatException("the stored network architecture is invalid: " + e.Message, e); }
        if (reader.Get<int>("features") != architecture.InputSize)
            throw new ModelFormatException("the stored feature count does not match the network's input size.");
        var state = reader.Get<ScalerState>("scaler");
        if (state.Shift is null || state.Scale is null || state.Shift.Length != architecture.InputSize || state.Scale.Length != architecture.InputSize
            || state.Shift.Any(v => !float.IsFinite(v)) || state.Scale.Any(v => !float.IsFinite(v) || v == 0))
            throw new ModelFormatException("the stored input scaler is damaged (wrong length or non-finite values).");
        var network = architecture.Create(generator: null);
        try
        {
            reader.LoadModule("network", network);
            network.to(device);
            network.eval();
            return (network, new FeatureScaler(state.Kind, state.Shift, state.Scale));
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }
}
