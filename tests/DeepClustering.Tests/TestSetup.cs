using System.Runtime.CompilerServices;

namespace DeepClustering.Tests;

internal static class TestSetup
{
    /// <summary>xunit runs test classes in parallel, each using libtorch's thread pool: let OpenMP sleep, not spin.</summary>
    [ModuleInitializer]
    internal static void Initialize() => Core.OpenMpWaitPolicy.PreferPassive();
}
