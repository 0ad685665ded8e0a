// Quick start: a Gaussian mixture on the embedded iris data (150 x 4, 3 species).
// Run: dotnet run --project samples/QuickStart
return DeepClustering.Samples.QuickStart.Run(Console.Out);
