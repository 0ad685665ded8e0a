using System.CommandLine;
using System.Diagnostics;
using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Persistence;

namespace DeepClustering.Cli.Commands;

/// <summary><c>predict</c>: apply a saved model to new data.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var modelFile = new Option<string>("--model-file") { Description = "A model written by `cluster --save-model` or by Model.Save.", Required = true };
        var data = new Option<string>("--data") { Description = "Data file or embedded dataset name.", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Optional label file, to score the predictions." };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "cpu" };
        var json = new Option<bool>("--json") { Description = "Print exactly one JSON line with the results." };
        var output = new Option<string?>("--out") { Description = "Directory to write labels.csv and metrics.json into." };
        var embedOut = new Option<string?>("--embed-out") { Description = "Write the deep model's latent codes (rows x latent size, float32) to this .npy file." };
        var command = new Command("predict", "Apply a saved model to data and report metrics when labels exist.")
        {
            modelFile, data, labels, device, json, output, embedOut,
        };
        command.SetAction(parse => CliErrors.Run(parse.GetValue(json), () =>
        {
            var clock = Stopwatch.StartNew();
            var path = parse.GetValue(modelFile)!;
            if (!File.Exists(path)) throw new FileNotFoundException($"--model-file '{path}' does not exist.", path);
            using var model = ModelFile.Load(path, parse.GetValue(device)!);
            var dataset = DataResolver.Load(parse.GetValue(data)!, parse.GetValue(labels));
            var predicted = model.Predict(dataset);
            var result = RunResult.Create(model.GetType().Name, dataset, model, predicted, clock.Elapsed.TotalSeconds, seed: 0);
            if (parse.GetValue(output) is { } dir) result.WriteTo(dir, predicted);
            if (parse.GetValue(embedOut) is { } codesPath)
            {
                if (model is not IEmbeddingModel deep)
                    throw new ArgumentException($"--embed-out: {model.GetType().Name} has no latent space; only deep models (trained with a network) write codes.");
                NpyWriter.Write(codesPath, deep.Embed(dataset));
            }
            if (parse.GetValue(json)) Console.WriteLine(result.ToJson()); else result.PrintTable();
            return 0;
        }));
        return command;
    }
}
