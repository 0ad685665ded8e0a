using TorchSharp;

namespace DeepClustering.Core;

/// <summary>Turns the <see cref="ClusteringOptions.Device"/> string into a TorchSharp device.</summary>
public static class DeviceResolver
{
    /// <summary>Parses and checks a device name; CUDA names fail clearly when CUDA is not available.</summary>
    public static torch.Device Resolve(string device)
    {
        var (kind, index) = Parse(device);
        if (kind == "auto") return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (kind == "cpu") return torch.CPU;
        if (!torch.cuda.is_available())
            throw new ArgumentOutOfRangeException(nameof(ClusteringOptions.Device), device,
                "Device is 'cuda' but CUDA is not available: reference the TorchSharp-cuda-linux package (build with -p:TorchBackend=cuda) on a machine with an NVIDIA GPU, or use Device = \"cpu\".");
        if (index >= torch.cuda.device_count())
            throw new ArgumentOutOfRangeException(nameof(ClusteringOptions.Device), device,
                $"Device asks for CUDA device {index} but only {torch.cuda.device_count()} are present.");
        return new torch.Device(DeviceType.CUDA, index);
    }

    /// <summary>Syntax check only: "cpu", "auto", "cuda" or "cuda:N".</summary>
    public static (string Kind, int Index) Parse(string device)
    {
        var d = (device ?? "").Trim().ToLowerInvariant();
        if (d is "cpu" or "auto") return (d, 0);
        if (d == "cuda") return ("cuda", 0);
        if (d.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(d.AsSpan(5), out var i) && i >= 0) return ("cuda", i);
        throw new ArgumentOutOfRangeException(nameof(ClusteringOptions.Device), device, "Device must be \"cpu\", \"cuda\", \"cuda:N\" or \"auto\".");
    }
}
