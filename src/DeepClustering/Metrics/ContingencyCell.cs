namespace DeepClustering.Metrics;

/// <summary>One non-empty cell of a <see cref="ContingencyTable"/>.</summary>
/// <param name="ClassIndex">Row: index into <see cref="ContingencyTable.ClassLabels"/>.</param>
/// <param name="ClusterIndex">Column: index into <see cref="ContingencyTable.ClusterLabels"/>.</param>
/// <param name="Count">Number of points with that class and that cluster (≥ 1).</param>
public readonly record struct ContingencyCell(int ClassIndex, int ClusterIndex, long Count);
