using System.CommandLine;
using System.Diagnostics;
using DeepClustering.Core;
using DeepClustering.Metrics;

namespace DeepClustering.Cli.Commands;

/// <summary><c>cluster</c>: fit a model on a dataset, print metrics, optionally write labels, metrics and the model.</summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data file (.npy, IDX[.gz], .csv[.gz]) or embedded dataset name (mnist-test, usps, digits, iris, wine, breast-cancer).", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Optional label file (IDX, .npy or one-column CSV) for files without labels." };
        var model = new Option<string>("--model") { Description = "Model: " + string.Join(", ", ModelCatalog.Entries.Select(e => e.Name)) + ".", DefaultValueFactory = _ => "kmeans" };
        var json = new Option<bool>("--json") { Description = "Print exactly one JSON line with the results (no other stdout output)." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress display." };
        var output = new Option<string?>("--out") { Description = "Directory to write labels.csv, metrics.json and PNG plots (scatter, confusion, training curve, image grid) into." };
        var label = new Option<string?>("--label") { Description = "Name reported as `model` in the output (default: the --model value), so that variants made with --set get their own rows in `results`." };
        var saveModel = new Option<string?>("--save-model") { Description = "Write the fitted model to this file (load it with `predict --model-file`)." };
        var settings = new ModelSettingOptions();

        var command = new Command("cluster", "Fit a clustering model and report ACC, NMI, ARI and purity when labels exist.")
        {
            data, labels, model, json, quiet, output, saveModel, label,
        };
        settings.AddTo(command);
        command.SetAction(parse => CliErrors.Run(parse.GetValue(json), () =>
        {
            bool asJson = parse.GetValue(json), isQuiet = parse.GetValue(quiet) || asJson;
            var entry = ModelCatalog.Find(parse.GetValue(model)!);
            var dataset = DataResolver.Load(parse.GetValue(data)!, parse.GetValue(labels));
            var s = settings.Read(parse);
            var estimator = entry.Create(s, dataset);

            var clock = Stopwatch.StartNew();
            using var reporter = new ProgressReporter(entry.Name, show: !isQuiet);
            using var fitted = estimator.Fit(dataset, reporter);
            var predicted = fitted.Predict(dataset);
            clock.Stop();
            reporter.Complete();

            string name = parse.GetValue(label) ?? entry.Name;
            var result = RunResult.Create(name, dataset, fitted, predicted, clock.Elapsed.TotalSeconds, s.Seed);
            if (parse.GetValue(output) is { } dir)
            {
                result.WriteTo(dir, predicted);
                var embedding = fitted is IEmbeddingModel deep ? deep.Embed(dataset) : null;
                Plots.ClusterPlots.WriteAll(dir, dataset, predicted, reporter.Curve, embedding, $"{name} on {dataset.Name}");
            }
            if (parse.GetValue(saveModel) is { } path) using (var f = File.Create(path)) fitted.Save(f);
            if (asJson) Console.WriteLine(result.ToJson());
            else result.PrintTable();
            return 0;
        }));
        return command;
    }
}
