using System.CommandLine;

namespace DeepClustering.Cli.Commands;

/// <summary>The model flags shared by every model (each model uses the ones that apply to it).</summary>
internal sealed class ModelSettingOptions
{
    private readonly Option<int?> _clusters = new("--clusters") { Description = "Number of clusters (default: number of classes in labelled data). For dpgmm and dpgmm-shallow, the truncation level (they learn the number of clusters)." };
    private readonly Option<int> _seed = new("--seed") { Description = "Random seed; the same seed gives the same labels on CPU.", DefaultValueFactory = _ => 0 };
    private readonly Option<string> _device = new("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "cpu" };
    private readonly Option<string?> _covariance = new("--covariance") { Description = "Covariance type for gmm: full, diag, spherical or tied." };
    private readonly Option<int?> _restarts = new("--restarts") { Description = "Restarts (n_init): kmeans and gmm keep the best objective; deep models train every attempt for RestartEpochs (--set, default 10) epochs and continue the one with the lowest loss." };
    private readonly Option<int?> _maxIterations = new("--max-iterations") { Description = "EM/Lloyd iteration limit." };
    private readonly Option<int?> _epochs = new("--epochs") { Description = "Joint training epochs of deep models." };
    private readonly Option<int?> _pretrainEpochs = new("--pretrain-epochs") { Description = "Autoencoder pretraining epochs of deep models (for mixae/damic, a value > 0 selects the k-means initialisation from a pretrained autoencoder)." };
    private readonly Option<int?> _batchSize = new("--batch-size") { Description = "Mini-batch size of deep models." };
    private readonly Option<double?> _learningRate = new("--learning-rate") { Description = "Adam learning rate of the joint training phase." };
    private readonly Option<string[]> _set = new("--set") { Description = "Set any option of the model by name, repeatable: --set Name=Value (numbers, true/false, enum names, null). An unknown name lists the settable ones.", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<int?> _latentSize = new("--latent-size") { Description = "Latent (embedding) size of deep models." };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _clusters, _seed, _device, _covariance, _restarts, _maxIterations, _epochs, _pretrainEpochs, _batchSize, _learningRate, _latentSize, _set })
            command.Add(o);
    }

    public CliModelSettings Read(ParseResult p) => new(
        p.GetValue(_clusters), p.GetValue(_seed), p.GetValue(_device)!, p.GetValue(_covariance), p.GetValue(_restarts),
        p.GetValue(_maxIterations), p.GetValue(_epochs), p.GetValue(_pretrainEpochs), p.GetValue(_batchSize),
        p.GetValue(_learningRate), p.GetValue(_latentSize), p.GetValue(_set) ?? []);
}
