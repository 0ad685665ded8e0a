namespace DeepClustering.Cli.Results;

/// <summary>
/// A published figure to print beside ours, with its source. The values and their provenance come from
/// <c>shared/research/published_results.md</c>; only entries whose source was read (primary, a re-run, or a
/// second-hand quote that says so) are listed.
/// </summary>
internal sealed record PublishedReference(string Data, string Model, double Acc, double? Nmi, string Source)
{
    public static readonly IReadOnlyList<PublishedReference> All =
    [
        new("mnist-test", "kmeans", 0.546, 0.501, "k-means, DEC-DA Tab. 3 (re-run)"),
        new("mnist-test", "gmm", 0.540, 0.493, "GMM, ASPC-DA Tab. 3 (re-run)"),
        new("mnist-test", "ae-gmm", 0.8182, 0.7473, "AE + k-means on MNIST-full (70k), IDEC Tab. 2"),
        new("mnist-test", "sr-kmeans", 0.863, 0.873, "SR-K-means paper, quoted in ASPC-DA Tab. 3"),
        new("mnist-test", "neural-em", 0.989, null, "NMM-EM abstract (split not stated)"),
        new("usps", "kmeans", 0.668, 0.627, "k-means, DEC-DA Tab. 3"),
        new("usps", "gmm", 0.551, 0.530, "GMM, ASPC-DA Tab. 3 (re-run)"),
        new("usps", "ae-gmm", 0.6931, 0.6620, "AE + k-means, IDEC Tab. 2"),
        new("usps", "sr-kmeans", 0.901, 0.912, "SR-K-means re-run, ASPC-DA Tab. 3"),
    ];

    public static PublishedReference? Find(string data, string model) =>
        All.FirstOrDefault(r => r.Data == data && r.Model == model);
}
