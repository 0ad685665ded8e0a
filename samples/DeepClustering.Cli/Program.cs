// deepcluster: the DeepClustering command-line interface. Each sub-command lives in Commands/.
return DeepClustering.Cli.CliApp.Run(args);
