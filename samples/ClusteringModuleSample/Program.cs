// Run: dotnet run -c Release --project samples/ClusteringModuleSample -- <command> <dataset> [options]
// Sample and benchmark for the clustering module (shallow CM and deep AE-CM) on MNIST-test and USPS.
// Datasets: the library's embedded ones (mnist-test, usps, digits, ...).
//   pretrain <dataset> --out FILE [--seed S] [--pretrain-epochs P] [--latent D] [--activation relu|leaky]
//                                                   pretrain and save the autoencoder (AE-CM's network options)
//   aecm     <dataset> [--ae FILE] [--seed S] [options]                          AE-CM (pretrains when --ae is absent)
//   codes    <dataset> --ae FILE --out PREFIX                                    write the codes and labels as PREFIX.codes.npy, PREFIX.labels.npy
//   baseline <dataset> --ae FILE [--seed S]                                      AE + k-means and AE + GMM on the same codes
//   cm       <dataset> [--seed S] [--epochs E]                                   the shallow module on the pixels
DeepClustering.Core.OneDnnIsaCap.CapOnAffectedCpus(); // before the first convolution (see its remarks)
return DeepClustering.Samples.ClusteringModuleSample.Run(Console.Out, args);
