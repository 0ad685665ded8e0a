using DeepClustering.Data;
using DeepClustering.Metrics;
using DeepClustering.Mixtures;

namespace DeepClustering.Samples;

/// <summary>Fits a Gaussian mixture per covariance type, picks the lowest BIC, and scores it against the species.</summary>
public static class QuickStart
{
    /// <summary>Runs the sample; returns the exit code.</summary>
    public static int Run(TextWriter output)
    {
        // 1. Data: embedded, labelled; standardise so no feature dominates the distances.
        var raw = EmbeddedDatasets.Load("iris");
        var iris = Scaler.Fit(raw, ScalerKind.Standardize).Transform(raw);

        // 2. One model per covariance type; the Bayesian information criterion picks the best trade-off.
        GaussianMixtureModel? best = null;
        foreach (var covariance in Enum.GetValues<CovarianceType>())
        {
            var options = new GaussianMixtureOptions { Components = 3, Covariance = covariance, Restarts = 3, Seed = 42 };
            var model = new GaussianMixture(options).Fit(iris);
            double bic = model.BayesianInformationCriterion(iris);
            output.WriteLine($"{covariance,-10} BIC {bic,10:F1}  converged {model.Summary.Converged} after {model.Summary.Iterations} iterations");
            if (best is null || bic < best.BayesianInformationCriterion(iris)) { best?.Dispose(); best = model; }
            else model.Dispose();
        }

        // 3. Hard labels, soft assignments and scores against the known species.
        using (best)
        {
            int[] labels = best!.Predict(iris);
            float[,] probabilities = best.PredictProbabilities(iris);
            var scores = ClusterScores.Evaluate(iris.Labels!, labels);
            output.WriteLine($"best: {best.Covariance}; first row's probabilities: {probabilities[0, 0]:F3} {probabilities[0, 1]:F3} {probabilities[0, 2]:F3}");
            output.WriteLine(scores);
        }
        return 0;
    }
}
