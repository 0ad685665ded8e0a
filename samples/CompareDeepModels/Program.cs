// Pretrain one autoencoder, then fit every deep model that starts from a pretrained autoencoder on it, so the
// comparison isolates the clustering objective from the luck of pretraining.
//   dotnet run -c Release --project samples/CompareDeepModels                       MNIST-test, each model's defaults
//   dotnet run -c Release --project samples/CompareDeepModels -- usps --seed 1
//   dotnet run -c Release --project samples/CompareDeepModels -- digits --pretrain-epochs 5 --epochs 2 --rows 300
return DeepClustering.Samples.CompareDeepModels.Run(Console.Out, args);
