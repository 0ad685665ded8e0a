using System.Runtime.CompilerServices;

namespace DeepClustering.Tests;

internal static class TestSetup
{
    /// <summary>
    /// xunit runs test classes in parallel, each using libtorch's thread pool: let OpenMP sleep, not spin; and keep
    /// oneDNN off its AVX-512 convolution kernels on the AMD CPUs where they return NaN (OneDnnIsaCap).
    /// </summary>
    [ModuleInitializer]
    internal static void Initialize()
    {
        Core.OpenMpWaitPolicy.PreferPassive();
        Core.OneDnnIsaCap.CapOnAffectedCpus();
    }
}
