// Save, load and predict: fit on part of the digits data, save the model, load it back, predict unseen rows.
// Run: dotnet run --project samples/SaveLoadPredict
return DeepClustering.Samples.SaveLoadPredict.Run(Console.Out);
