namespace DeepClustering;

/// <summary>A data file is unreadable: truncated, wrong magic number, inconsistent header, bad values.</summary>
public sealed class DataFormatException : FormatException
{
    /// <summary>The file (or stream description) that was being read.</summary>
    public string FileName { get; }

    /// <summary>Creates the exception; the message is prefixed with the file name.</summary>
    public DataFormatException(string source, string problem, Exception? inner = null)
        : base($"{source}: {problem}", inner) => FileName = source;
}

/// <summary>A saved model file is corrupt, truncated, of another model type or of an unsupported format version.</summary>
public sealed class ModelFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public ModelFormatException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// A numerical failure during fitting (singular covariance, NaN loss, collapse) whose message names the fix.
/// </summary>
public sealed class ClusteringNumericsException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public ClusteringNumericsException(string message, Exception? inner = null) : base(message, inner) { }
}
