using DeepClustering.Data;
using DeepClustering.Metrics;
using DeepClustering.Mixtures;
using DeepClustering.Persistence;

namespace DeepClustering.Samples;

/// <summary>Fit on 1,500 digits, save, load through the generic loader, and predict the 297 digits held out.</summary>
public static class SaveLoadPredict
{
    /// <summary>Runs the sample; returns the exit code (1 if the loaded model disagrees with the original).</summary>
    public static int Run(TextWriter output)
    {
        var digits = EmbeddedDatasets.Load("digits");
        var train = digits.Slice(0, 1500);
        var heldOut = digits.Slice(1500, digits.Rows - 1500);

        using var model = new KMeans(new KMeansOptions { Clusters = 10, Restarts = 5, Seed = 7 }).Fit(train);
        string path = Path.Combine(Path.GetTempPath(), $"digits-kmeans-{Environment.ProcessId}.dcm");
        try
        {
            model.Save(path);
            output.WriteLine($"saved {new FileInfo(path).Length:N0} bytes to {path}");

            // ModelFile.Load reads any model type the library writes; KMeansModel.Load would also do.
            using var loaded = ModelFile.Load(path);
            int[] before = model.Predict(heldOut), after = loaded.Predict(heldOut);
            bool same = before.SequenceEqual(after);
            output.WriteLine($"loaded a {loaded.GetType().Name}; predictions identical: {same}");
            output.WriteLine($"held-out digits: {ClusterScores.Evaluate(heldOut.Labels!, after)}");
            return same ? 0 : 1;
        }
        finally { File.Delete(path); }
    }
}
