namespace DeepClustering.Core;

/// <summary>
/// libtorch's OpenMP threads spin-wait at every barrier by default. When the cores are shared (other processes,
/// or several fits in one process) that spinning starves the threads doing real work: 2-thread fits measured
/// 10–40x slower here. <see cref="PreferPassive"/> asks libgomp to sleep instead. It must run before the first
/// TorchSharp call of the process (libgomp reads the variable when libtorch loads), so it is opt-in: the CLI and
/// the test suite call it first thing; a library cannot know whether it runs early enough.
/// </summary>
public static class OpenMpWaitPolicy
{
    /// <summary>Sets OMP_WAIT_POLICY=PASSIVE unless the user set a policy; returns the policy in force.</summary>
    public static string PreferPassive()
    {
        var current = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        if (!string.IsNullOrEmpty(current)) return current;
        // Native libgomp reads the C environment (NativeEnvironment).
        return NativeEnvironment.TrySet("OMP_WAIT_POLICY", "PASSIVE") ? "PASSIVE" : "default";
    }
}
