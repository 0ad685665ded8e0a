// Choosing the number of clusters two ways on the same data:
//   1. a BIC sweep: fit GaussianMixture for K = 1..Kmax and keep the K with the lowest BIC;
//   2. one variational Dirichlet-process mixture with truncation level T = 20, whose effective K (components
//      with weight above 1 %) is learned in a single fit.
//
//   dotnet run --project samples/ChoosingK                     synthetic 2-D mixture with 5 components
//   dotnet run --project samples/ChoosingK -- iris             an embedded dataset (standardised): iris, wine, ...
//   dotnet run --project samples/ChoosingK -- sweep [seeds]    effective K on 3, 5 and 8 true components over seeds
//   dotnet run -c Release --project samples/ChoosingK -- deep mnist-test [seed] [threads]
//                                                              the deep DP mixture (default options, truncation 30,
//                                                              autoencoder pretraining included) on an embedded dataset
return ChoosingK.ChoosingKSample.Run(Console.Out, args);
