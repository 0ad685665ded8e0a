using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Networks;
using DeepClustering.Training;
using static TorchSharp.torch;

namespace DeepClustering.Models;

/// <summary>
/// The pieces every deep model consists of, handed by the pipeline (or the loader) to a model's constructor:
/// trained network, input scaler, options, fit summary and device. The model takes ownership of the network.
/// </summary>
public sealed class DeepModelParts
{
    internal DeepModelParts(AutoencoderNetwork network, Scaler scaler, DeepClusteringOptions options, FitSummary summary,
        IReadOnlyList<double> pretrainingLossHistory, Device device)
    {
        Network = network; Scaler = scaler; Options = options; Summary = summary; Device = device;
        PretrainingLossHistory = pretrainingLossHistory.ToArray();
    }

    /// <summary>The trained autoencoder.</summary>
    public AutoencoderNetwork Network { get; }

    /// <summary>The options of the fit (the model's own options record).</summary>
    public DeepClusteringOptions Options { get; }

    /// <summary>How the fit went.</summary>
    public FitSummary Summary { get; }

    /// <summary>Reconstruction loss per pretraining epoch (those of the pretrained autoencoder when one was reused).</summary>
    public IReadOnlyList<double> PretrainingLossHistory { get; }

    /// <summary>Device of the network and the head.</summary>
    public Device Device { get; }

    /// <summary>Number of input features.</summary>
    public int Features => Network.InputSize;

    /// <summary>The input scaler fitted with the network.</summary>
    public Scaler Scaler { get; }
}
