using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Mixtures;
using DeepClustering.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Mixtures;

public class KMeansTests
{
    [Fact]
    public void RecoversWellSeparatedBlobs()
    {
        var data = MixtureTestData.ThreeBlobs();
        using var model = new KMeans(new KMeansOptions { Clusters = 3, Seed = 3 }).Fit(data);
        var labels = model.Predict(data);
        Assert.Equal(1.0, MixtureTestData.MatchedAccuracy(data.Labels!, labels, 3));
        Assert.True(model.Summary.Converged);
        // Each centroid sits next to one true centre.
        var c = model.Centroids;
        var truth = new[] { (0.0, 0.0), (8.0, 0.0), (0.0, 8.0) };
        foreach (var (tx, ty) in truth)
            Assert.Contains(Enumerable.Range(0, 3), k => Math.Abs(c[k, 0] - tx) < 0.5 && Math.Abs(c[k, 1] - ty) < 0.5);
    }

    [Fact]
    public void InertiaIsTheSumOfSquaredDistancesOfThePredictedLabels()
    {
        var data = MixtureTestData.ThreeBlobs(seed: 5);
        using var model = new KMeans(new KMeansOptions { Clusters = 4, Seed = 1 }).Fit(data);
        var labels = model.Predict(data);
        var c = model.Centroids;
        double inertia = 0;
        for (int i = 0; i < data.Rows; i++)
            for (int j = 0; j < data.Columns; j++) inertia += Math.Pow(data.Row(i)[j] - c[labels[i], j], 2);
        Assert.Equal(inertia, model.Inertia, 1e-3 * inertia);
        Assert.Equal(model.Inertia, model.Summary.FinalObjective);
        // Transform gives the distances, and its arg-min is Predict.
        var d = model.Transform(data);
        for (int i = 0; i < data.Rows; i++)
        {
            int arg = Enumerable.Range(0, 4).MinBy(k => d[i, k]);
            Assert.Equal(labels[i], arg);
            double manual = Math.Sqrt(Enumerable.Range(0, 2).Sum(j => Math.Pow(data.Row(i)[j] - c[2, j], 2)));
            Assert.Equal(manual, d[i, 2], 1e-3);
        }
    }

    [Fact]
    public void ChunksOnParallelWorkersGiveTheSameClustering()
    {
        // Small chunks are spread over the CPU workers (per-worker sums); one chunk is one worker.
        var data = MixtureTestData.ThreeBlobs(perCluster: 400, seed: 6);
        using var x = data.ToTensor(CPU).to(ScalarType.Float64);
        var options = new KMeansOptions { Clusters = 3, Seed = 2, Init = KMeansInit.Random, MaxIterations = 50 };
        using var many = new KMeans(options with { ChunkSize = 100 }).FitTensor(x);
        using var one = new KMeans(options with { ChunkSize = 5000 }).FitTensor(x);
        using (var a = one.PredictTensor(x))
        using (var b = many.PredictTensor(x))
            Assert.True(a.eq(b).all().item<bool>(), "labels differ");
        Assert.Equal(one.Summary.Iterations, many.Summary.Iterations);
        Assert.Equal(one.Inertia, many.Inertia, 1e-9 * one.Inertia);
        for (int k = 0; k < 3; k++)
            for (int d = 0; d < 2; d++)
                Assert.Equal(one.Centroids[k, d], many.Centroids[k, d], 1e-10);
    }

    [Fact]
    public void MoreRestartsNeverIncreaseInertia()
    {
        var data = MixtureTestData.Blobs(new[] { new[] { 0.0, 0 }, new[] { 3.0, 0 }, new[] { 0.0, 3 }, new[] { 3.0, 3 } }, 25, 1.2, 7);
        using var one = new KMeans(new KMeansOptions { Clusters = 5, Seed = 11, Init = KMeansInit.Random }).Fit(data);
        using var many = new KMeans(new KMeansOptions { Clusters = 5, Seed = 11, Init = KMeansInit.Random, Restarts = 6 }).Fit(data);
        Assert.True(many.Inertia <= one.Inertia + 1e-9);
        Assert.InRange(many.Summary.BestRestart, 0, 5);
    }

    [Fact]
    public void SameSeedSameLabelsAndScaleInvariantTolerance()
    {
        var data = MixtureTestData.Blobs(new[] { new[] { 0.0, 0 }, new[] { 2.5, 0 }, new[] { 0.0, 2.5 } }, 30, 1.0, 2);
        var options = new KMeansOptions { Clusters = 3, Seed = 4 };
        using var a = new KMeans(options).Fit(data);
        using var b = new KMeans(options).Fit(data);
        Assert.Equal(a.Predict(data), b.Predict(data));
        Assert.Equal(a.Inertia, b.Inertia);
        // Tolerance is relative to the data variance: scaling the data changes neither labels nor iteration count.
        var scaled = Dataset.FromArray(Scale(data.ToArray(), 1000f));
        using var s = new KMeans(options).Fit(scaled);
        Assert.Equal(a.Predict(data), s.Predict(scaled));
        Assert.Equal(a.Summary.Iterations, s.Summary.Iterations);
    }

    [Fact]
    public void EmptyClusterIsReseededAtTheFarthestPoint()
    {
        var data = MixtureTestData.ThreeBlobs(perCluster: 20);
        using var x = data.ToTensor();
        using var xx = x.square().sum(dim: 1);
        // Third centre far away from everything: it gets no points in the first assignment.
        using var init = tensor(new float[] { 0, 0, 8, 0, 500, 500 }, new long[] { 3, 2 });
        using var run = KMeansEngine.Lloyd(x, xx, init, 50, 0, 64, 0, null, CancellationToken.None);
        Assert.Contains(run.Warnings, w => w.Contains("empty", StringComparison.Ordinal));
        var sizes = run.Labels.bincount(null, 3).data<long>().ToArray();
        Assert.All(sizes, s => Assert.True(s > 0));
        Assert.Equal(1.0, MixtureTestData.MatchedAccuracy(data.Labels!, TensorArraysForTests.ToInt(run.Labels), 3));
    }

    [Fact]
    public void DuplicateCentresAreSeparatedLikeAnArgMin()
    {
        // Two identical initial centres tie for every row: the first takes them all (arg-min), the second empties
        // and is re-seeded, as scikit-learn does; the run still finds the three blobs.
        var data = MixtureTestData.ThreeBlobs(perCluster: 20, seed: 4);
        using var x = data.ToTensor();
        using var xx = x.square().sum(dim: 1);
        using var init = tensor(new float[] { 0, 0, 0, 0, 8, 0 }, new long[] { 3, 2 });
        using var run = KMeansEngine.Lloyd(x, xx, init, 50, 0, 16, 0, null, CancellationToken.None);
        Assert.Contains(run.Warnings, w => w.Contains("empty", StringComparison.Ordinal));
        Assert.Equal(1.0, MixtureTestData.MatchedAccuracy(data.Labels!, TensorArraysForTests.ToInt(run.Labels), 3));
    }

    [Fact]
    public void PlusPlusSeedsLandInDistinctBlobs()
    {
        var data = MixtureTestData.ThreeBlobs(perCluster: 30, seed: 9);
        using var x = data.ToTensor();
        using var xx = x.square().sum(dim: 1);
        for (int seed = 0; seed < 5; seed++)
        {
            var idx = KMeansEngine.SeedPlusPlus(x, xx, 3, new Random(seed), 1000, CancellationToken.None);
            Assert.Equal(3, idx.Select(i => data.Labels![(int)i]).Distinct().Count());
        }
    }

    [Fact]
    public void FitTensorKeepsInputAndDeviceAndPrecision()
    {
        var data = MixtureTestData.ThreeBlobs();
        using var x = data.ToTensor(dtype: ScalarType.Float64);
        using var before = x.clone();
        using var model = new KMeans(new KMeansOptions { Clusters = 3 }).FitTensor(x);
        Assert.True(x.equal(before).all().item<bool>());
        Assert.Equal(ScalarType.Float64, model.Dtype);
        Assert.Equal(DeviceType.CPU, model.Device.type);
        using var labels = model.PredictTensor(x);
        Assert.Equal(ScalarType.Int64, labels.dtype);
        Assert.Equal(model.Predict(data), labels.data<long>().ToArray().Select(v => (int)v).ToArray());
        using var ct = model.CentroidsTensor();
        Assert.Equal(new long[] { 3, 2 }, ct.shape);
    }

    [Fact]
    public void SaveLoadRoundTripGivesIdenticalModel()
    {
        var data = MixtureTestData.ThreeBlobs();
        using var model = new KMeans(new KMeansOptions { Clusters = 3, Seed = 2, Restarts = 2 }).Fit(data);
        using var ms = new MemoryStream();
        model.Save(ms);
        ms.Position = 0;
        using var loaded = KMeansModel.Load(ms);
        Assert.Equal(model.Centroids, loaded.Centroids);
        Assert.Equal(model.Predict(data), loaded.Predict(data));
        Assert.Equal(model.Transform(data), loaded.Transform(data));
        Assert.Equal(model.Options, loaded.Options);
        Assert.Equal(model.Summary.ObjectiveHistory, loaded.Summary.ObjectiveHistory);
        ms.Position = 0;
        using var generic = ModelFile.Load(ms);
        Assert.IsType<KMeansModel>(generic);
    }

    [Fact]
    public void ProgressReportsEveryIteration()
    {
        var data = MixtureTestData.ThreeBlobs();
        var reports = new List<TrainingProgress>();
        using var model = new KMeans(new KMeansOptions { Clusters = 3 }).Fit(data, new SyncProgress(reports.Add));
        Assert.Equal(model.Summary.Iterations, reports.Count(r => r.Phase == TrainingPhase.Training));
        Assert.Equal(TrainingPhase.Finalizing, reports[^1].Phase);
        Assert.Equal(data.Rows, reports[^1].ClusterSizes!.Sum());
    }

    private static float[,] Scale(float[,] a, float f)
    {
        var r = (float[,])a.Clone();
        for (int i = 0; i < r.GetLength(0); i++) for (int j = 0; j < r.GetLength(1); j++) r[i, j] *= f;
        return r;
    }
}

/// <summary>An IProgress that calls back synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}

internal static class TensorArraysForTests
{
    public static int[] ToInt(Tensor t) => t.cpu().to(ScalarType.Int32).data<int>().ToArray();
}
