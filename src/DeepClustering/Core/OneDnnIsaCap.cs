using System.Runtime.Intrinsics.X86;
using System.Text;

namespace DeepClustering.Core;

/// <summary>
/// Works around a libtorch (oneDNN) defect seen on AMD EPYC CPUs with AVX-512: with two or more threads, the
/// AVX-512 kernel of a float32 convolution's input gradient returns NaN in a share of calls (13 to 38 of 50 small
/// conv2d backward passes here; none with one thread or with the AVX2 kernels), so convolutional autoencoders
/// "diverge" within a few epochs. <see cref="CapOnAffectedCpus"/> caps oneDNN at AVX2 on such CPUs by setting
/// ONEDNN_MAX_CPU_ISA=AVX2, which oneDNN reads when it creates its first kernel. Like
/// <see cref="OpenMpWaitPolicy"/> it is opt-in and must run before the first convolution of the process: the CLI,
/// the samples and the test suite call it first thing.
/// </summary>
public static class OneDnnIsaCap
{
    /// <summary>The variable oneDNN reads for its instruction-set ceiling.</summary>
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>
    /// Sets ONEDNN_MAX_CPU_ISA=AVX2 on Linux or macOS when the CPU is AMD with AVX-512 and neither it nor the older
    /// DNNL_MAX_CPU_ISA is set; returns the ceiling in force ("default" when none is set).
    /// </summary>
    public static string CapOnAffectedCpus()
    {
        foreach (var name in new[] { Variable, "DNNL_MAX_CPU_ISA" })
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } set) return set;
        // oneDNN reads the C environment (NativeEnvironment).
        return IsAmdWithAvx512() && NativeEnvironment.TrySet(Variable, "AVX2") ? "AVX2" : "default";
    }

    private static bool IsAmdWithAvx512()
    {
        if (!X86Base.IsSupported || !Avx512F.IsSupported) return false;
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        var vendor = new byte[12];
        BitConverter.TryWriteBytes(vendor.AsSpan(0), ebx);
        BitConverter.TryWriteBytes(vendor.AsSpan(4), edx);
        BitConverter.TryWriteBytes(vendor.AsSpan(8), ecx);
        return Encoding.ASCII.GetString(vendor) == "AuthenticAMD";
    }
}
