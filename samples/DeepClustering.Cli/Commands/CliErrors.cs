namespace DeepClustering.Cli.Commands;

/// <summary>Turns the library's documented exceptions into one clear line on stderr and exit code 2.</summary>
internal static class CliErrors
{
    public static int Run(bool json, Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException
                                       or DataFormatException or ModelFormatException or ClusteringNumericsException
                                       or NotSupportedException or IOException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
    }
}
