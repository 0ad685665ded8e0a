using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Tests.Contract;

namespace DeepClustering.Tests.Reliability;

/// <summary>
/// Every estimator of the contract registry on awkward data: duplicated points, a constant feature, one row per
/// cluster, values of scale 1e-8 and 1e8, and clusters so far apart that exp() of the log-densities overflows
/// float32. The outcome must be a valid model (labels in range, finite probabilities summing to 1) or a
/// documented exception (<see cref="ArgumentException"/> for unusable data, <see cref="ClusteringNumericsException"/>),
/// never a NaN.
/// </summary>
public class NumericalEdgeCaseTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int K = 3;

    /// <summary>The awkward datasets, by name (4 features, as the registry's default width).</summary>
    public static Dataset Create(string name, int features) => name switch
    {
        "duplicated-points" => Repeat(EstimatorChecks.Blobs(K, 1, features, 3), 20),
        "constant-feature" => Map(EstimatorChecks.Blobs(K, 15, features, 4), (i, j, v) => j == 1 ? 7f : v),
        "one-row-per-cluster" => EstimatorChecks.Blobs(K, 1, features, 5),
        "scale-1e-8" => Map(EstimatorChecks.Blobs(K, 15, features, 6), (i, j, v) => v * 1e-8f),
        "scale-1e8" => Map(EstimatorChecks.Blobs(K, 15, features, 7), (i, j, v) => v * 1e8f),
        // Cluster centres 1e4 apart with unit noise: squared distances ~1e8, far beyond exp's float32 range (~88).
        "exp-overflow" => Map(EstimatorChecks.Blobs(K, 15, features, 8), (i, j, v) => v * 1e3f),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static readonly string[] Cases = ["duplicated-points", "constant-feature", "one-row-per-cluster", "scale-1e-8", "scale-1e8", "exp-overflow"];

    /// <summary>(estimator, dataset) pairs.</summary>
    public static TheoryData<string, string> Pairs
    {
        get
        {
            var d = new TheoryData<string, string>();
            foreach (var c in EstimatorRegistry.All)
                foreach (var name in Cases) d.Add(c.Name, name);
            return d;
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void FitGivesAValidModelOrADocumentedException(string estimator, string dataset)
    {
        var c = EstimatorRegistry.All.Single(e => e.Name == estimator);
        var data = Create(dataset, c.Features);
        IClusteringModel model;
        try
        {
            model = c.Create(K, 11).Fit(data);
        }
        catch (Exception e) when (e is ArgumentException or ClusteringNumericsException)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            output.WriteLine($"OUTCOME {estimator} {dataset}: {e.GetType().Name}: {e.Message}");
            return;
        }
        using (model)
        {
            var labels = model.Predict(data);
            Assert.Equal(data.Rows, labels.Length);
            Assert.All(labels, l => Assert.InRange(l, 0, K - 1));
            float[,] p;
            try { p = model.PredictProbabilities(data); }
            catch (ClusteringNumericsException e) { output.WriteLine($"OUTCOME {estimator} {dataset}: predict {e.Message}"); return; }
            output.WriteLine($"OUTCOME {estimator} {dataset}: model");
            for (int i = 0; i < data.Rows; i++)
            {
                double sum = 0;
                for (int j = 0; j < K; j++)
                {
                    Assert.True(float.IsFinite(p[i, j]) && p[i, j] >= 0, $"{estimator} on {dataset}: probability [{i},{j}] = {p[i, j]}");
                    sum += p[i, j];
                }
                Assert.Equal(1.0, sum, 1e-3);
            }
        }
    }

    private static Dataset Repeat(Dataset data, int times)
    {
        var x = data.ToArray();
        int n = x.GetLength(0), d = x.GetLength(1);
        var v = new float[n * times * d];
        for (int t = 0; t < times; t++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < d; j++) v[(t * n + i) * d + j] = x[i, j];
        return Dataset.FromValues(v, n * times, d);
    }

    private static Dataset Map(Dataset data, Func<int, int, float, float> f)
    {
        var x = data.ToArray();
        int n = x.GetLength(0), d = x.GetLength(1);
        var v = new float[n * d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) v[i * d + j] = f(i, j, x[i, j]);
        return Dataset.FromValues(v, n, d);
    }
}
