using System.Runtime.InteropServices;

namespace DeepClustering.Core;

/// <summary>
/// Sets variables in the C environment, which native libraries (libgomp, oneDNN) read; .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string?)"/> only changes its own copy on Unix.
/// </summary>
internal static class NativeEnvironment
{
    /// <summary>Sets <paramref name="name"/> in both environments on Linux or macOS; false elsewhere or on failure.</summary>
    public static bool TrySet(string name, string value)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return false;
        if (SetEnv(name, value, 0) != 0) return false;
        Environment.SetEnvironmentVariable(name, value);
        return true;
    }

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int SetEnv(string name, string value, int overwrite);
}
