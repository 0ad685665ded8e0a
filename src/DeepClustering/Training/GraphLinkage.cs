using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>
/// Agglomerative merging of many small clusters into fewer ones by average linkage on a k-nearest-neighbour graph: the
/// affinity of two groups is the number of graph edges between them divided by the product of their sizes, and the
/// pair with the highest affinity merges first. Over-clustering with k-means and then merging along the graph keeps a
/// class that k-means would split (two styles of one digit, densely linked to each other) together, while two classes
/// that k-means would merge land in different small clusters and, having few edges between them, stay apart. This is a
/// cheap stand-in for the graph agglomeration (AC-PIC, Zhang, Zhao and Wang 2013) that SR-K-means' authors start from.
/// </summary>
internal static class GraphLinkage
{
    /// <summary>
    /// Merges the <paramref name="fineClusters"/> clusters of <paramref name="fineLabels"/> (int64, N) down to
    /// <paramref name="clusters"/> along the graph <paramref name="neighbours"/> (int64, N x k, from
    /// <see cref="NeighbourGraphSmoothing.NearestNeighbours"/>; an edge in either direction counts). Returns the merged
    /// labels (int64, N, values 0 … clusters − 1, on the labels' device), numbered by the smallest fine label they contain.
    /// </summary>
    public static Tensor Merge(Tensor fineLabels, int fineClusters, Tensor neighbours, int clusters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clusters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(fineClusters, clusters);
        var edges = EdgeCounts(fineLabels, fineClusters, neighbours, out var sizes);
        var group = Enumerable.Range(0, fineClusters).ToArray(); // fine cluster → the group it has been merged into
        var alive = Enumerable.Range(0, fineClusters).Where(a => sizes[a] > 0).ToList();
        while (alive.Count > clusters)
        {
            // The pair with the most edges per pair of rows (average linkage on the adjacency); ties go to the lower indices.
            int bestA = -1, bestB = -1;
            double best = double.NegativeInfinity;
            for (int i = 0; i < alive.Count; i++)
                for (int j = i + 1; j < alive.Count; j++)
                {
                    int a = alive[i], b = alive[j];
                    double affinity = edges[a, b] / (sizes[a] * sizes[b]);
                    if (affinity > best) (best, bestA, bestB) = (affinity, a, b);
                }
            for (int c = 0; c < fineClusters; c++)
            {
                edges[bestA, c] += edges[bestB, c];
                edges[c, bestA] = edges[bestA, c];
            }
            edges[bestA, bestA] = 0;
            sizes[bestA] += sizes[bestB];
            for (int f = 0; f < fineClusters; f++) if (group[f] == bestB) group[f] = bestA;
            alive.Remove(bestB);
        }
        // Empty fine clusters (possible only when k-means left one empty) join the first group; they have no rows.
        var renumber = new long[fineClusters];
        for (int f = 0; f < fineClusters; f++) renumber[f] = Math.Max(0, alive.IndexOf(group[f]));
        using var map = tensor(renumber, device: fineLabels.device);
        return map.index_select(0, fineLabels.to(ScalarType.Int64));
    }

    /// <summary>Edges of the symmetrised graph between every pair of fine clusters (host, M x M) and the cluster sizes.</summary>
    private static double[,] EdgeCounts(Tensor fineLabels, int fineClusters, Tensor neighbours, out double[] sizes)
    {
        using var scope = NewDisposeScope();
        var labels = fineLabels.to(ScalarType.Int64);
        long k = neighbours.shape[1];
        var from = labels.unsqueeze(1).expand(-1, k).reshape(-1);
        var to = labels.index_select(0, neighbours.reshape(-1));
        var directed = from.mul(fineClusters).add(to).bincount(null, fineClusters * fineClusters).reshape(fineClusters, fineClusters);
        var symmetric = directed.add(directed.t()).to(ScalarType.Float64).cpu();
        sizes = labels.bincount(null, fineClusters).to(ScalarType.Float64).cpu().data<double>().ToArray();
        var flat = symmetric.data<double>().ToArray();
        var edges = new double[fineClusters, fineClusters];
        for (int a = 0; a < fineClusters; a++)
            for (int b = 0; b < fineClusters; b++)
                edges[a, b] = a == b ? 0 : flat[a * fineClusters + b];
        return edges;
    }
}
