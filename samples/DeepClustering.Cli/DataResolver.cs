using DeepClustering.Data;

namespace DeepClustering.Cli;

/// <summary>Resolves <c>--data</c>: an embedded dataset name or a file in any supported format.</summary>
internal static class DataResolver
{
    public static Dataset Load(string data, string? labels)
    {
        if (!File.Exists(data) && EmbeddedDatasets.Names.Contains(data, StringComparer.OrdinalIgnoreCase))
        {
            if (labels is not null) throw new ArgumentException($"--labels cannot be combined with the embedded dataset '{data}', which carries its own labels.");
            return EmbeddedDatasets.Load(data);
        }
        if (!File.Exists(data))
            throw new FileNotFoundException($"--data '{data}' is neither a file nor an embedded dataset (embedded: {string.Join(", ", EmbeddedDatasets.Names)}).", data);
        return DataLoader.Load(data, labels);
    }
}
