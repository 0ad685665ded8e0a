using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Networks;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Training;

/// <summary>The reconstruction-training loop used by <see cref="AutoencoderTrainer"/> and the deep pipeline.</summary>
internal static class AutoencoderTraining
{
    /// <summary>
    /// Trains <paramref name="network"/> (already on <paramref name="device"/>) to reconstruct <paramref name="data"/>
    /// (scaled, N x D, on the device). One dispose scope per batch; batches are drawn by index_select from a
    /// permutation of the generator, so the same seed gives the same weights on CPU. With
    /// <see cref="PretrainSettings.Augmentation"/>, each batch is replaced by a random view of itself (rows of
    /// <paramref name="image"/> shape, or tabular rows) that the network reconstructs, as in DEC-DA. Returns the mean
    /// loss per epoch.
    /// </summary>
    public static List<double> Train(AutoencoderNetwork network, Tensor data, ImageShape? image, PretrainSettings settings, RandomSource random,
        Device device, IProgress<TrainingProgress>? progress, ILogger? logger, CancellationToken cancellationToken)
    {
        long n = data.shape[0];
        var history = new List<double>(settings.Epochs);
        network.train();
        using var optimizer = BufferedAdam.Create(network.parameters(), settings.LearningRate, settings.WeightDecay);
        using var epochSum = zeros(1, device: device);
        for (int epoch = 0; epoch < settings.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double rate = settings.LearningRateAt(epoch);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
            using var permutation = random.Permutation(n, device);
            epochSum.zero_();
            for (long start = 0; start < n; start += settings.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                long size = Math.Min(settings.BatchSize, n - start);
                var batch = data.index_select(0, permutation.narrow(0, start, size));
                if (settings.Augmentation is not null) batch = Augmentation.View(batch, image, settings.Augmentation, random);
                var input = Corrupt(batch, settings, random, device);
                var loss = nn.functional.mse_loss(network.forward(input), batch);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                using (no_grad())
                using (var weight = ((double)size).ToScalar())
                    epochSum.add_(loss.detach(), weight);
            }
            double mean = epochSum.item<float>() / n;
            if (!double.IsFinite(mean))
                throw new ClusteringNumericsException(
                    $"autoencoder pretraining diverged (reconstruction loss {mean} in epoch {epoch + 1}); lower {settings.LearningRateOption} (now {settings.LearningRate}) or scale the data (Scaler = ScalerKind.Standardize).");
            history.Add(mean);
            logger?.LogDebug("pretraining epoch {Epoch}/{Epochs}: reconstruction loss {Loss:G5}", epoch + 1, settings.Epochs, mean);
            progress?.Report(new TrainingProgress(TrainingPhase.Pretraining, 0, epoch + 1, settings.Epochs, mean,
                Terms: new Dictionary<string, double> { ["reconstruction"] = mean, ["learningRate"] = rate }));
        }
        return history;
    }

    /// <summary>Applies the denoising corruption (a new tensor; the clean batch stays the target).</summary>
    public static Tensor Corrupt(Tensor batch, PretrainSettings settings, RandomSource random, Device device)
    {
        if (settings.Noise == NoiseKind.None || settings.NoiseLevel <= 0) return batch;
        using var level = settings.NoiseLevel.ToScalar();
        if (settings.Noise == NoiseKind.Gaussian)
        {
            var noise = random.Normal(batch.shape, device);
            return batch.add(noise, level);
        }
        var keep = random.Uniform(batch.shape, device).ge_(level);
        return batch * keep;
    }

    /// <summary>
    /// Runs <paramref name="map"/> over row chunks of <paramref name="data"/> without gradients and concatenates the
    /// results (a new tensor owned by the caller).
    /// </summary>
    public static Tensor MapChunks(Tensor data, Func<Tensor, Tensor> map, int chunk = 2048)
    {
        using var noGrad = no_grad();
        long n = data.shape[0];
        if (n <= chunk)
        {
            using var scope = NewDisposeScope();
            return map(data).contiguous().MoveToOuterDisposeScope();
        }
        var parts = new List<Tensor>();
        try
        {
            for (long start = 0; start < n; start += chunk)
            {
                using var scope = NewDisposeScope();
                parts.Add(map(data.narrow(0, start, Math.Min(chunk, n - start))).MoveToOuterDisposeScope());
            }
            return cat(parts, 0);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }
}
