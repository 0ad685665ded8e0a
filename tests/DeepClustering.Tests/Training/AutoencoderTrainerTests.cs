using DeepClustering.Core;
using DeepClustering.Data;
using DeepClustering.Networks;
using DeepClustering.Training;

namespace DeepClustering.Tests.Training;

public class AutoencoderTrainerTests
{
    private static AutoencoderTrainerOptions Tiny(int seed = 1) => new()
    {
        Seed = seed, HiddenSizes = new[] { 16, 8 }, LatentSize = 3, Epochs = 8, BatchSize = 32, LearningRate = 3e-3,
    };

    [Fact]
    public void TrainingReducesTheReconstructionLoss()
    {
        var data = DeepTestData.Blobs();
        using var ae = new AutoencoderTrainer(Tiny()).Fit(data);
        Assert.Equal(8, ae.LossHistory.Count);
        Assert.True(ae.LossHistory[^1] < 0.7 * ae.LossHistory[0], string.Join(", ", ae.LossHistory));
        Assert.InRange(ae.ReconstructionError(data), 0.5 * ae.LossHistory[^1], 1.05 * ae.LossHistory[^1]);
        Assert.Equal(new[] { data.Rows, 3 }, new[] { ae.Encode(data).GetLength(0), ae.Encode(data).GetLength(1) });
        var r = ae.Reconstruct(data);
        Assert.Equal(data.Columns, r.GetLength(1));
        // Reconstructions come back in the original units (the data are not centred around zero).
        double err = 0;
        for (int j = 0; j < data.Columns; j++) err += Math.Abs(r[0, j] - data.Row(0)[j]);
        Assert.True(err / data.Columns < 1.5, $"mean absolute error {err / data.Columns}");
    }

    [Fact]
    public async Task SameSeedGivesIdenticalWeightsAlsoOnTwoThreadsAtOnce()
    {
        var data = DeepTestData.Blobs(rows: 200);
        var options = Tiny(seed: 11) with { Noise = NoiseKind.Masking, NoiseLevel = 0.1 };
        float[,] Codes() { using var ae = new AutoencoderTrainer(options).Fit(data); return ae.Encode(data); }
        var sequential = Codes();
        var parallel = await Task.WhenAll(Task.Run(Codes), Task.Run(Codes));
        Assert.True(DeepTestData.Same(sequential, parallel[0]));
        Assert.True(DeepTestData.Same(sequential, parallel[1]));
        using var other = new AutoencoderTrainer(options with { Seed = 12 }).Fit(data);
        Assert.False(DeepTestData.Same(sequential, other.Encode(data)));
    }

    [Fact]
    public void SaveAndLoadRoundTripKeepsCodesScalerAndHistory()
    {
        var data = DeepTestData.Blobs(rows: 120);
        using var ae = new AutoencoderTrainer(Tiny() with { Epochs = 2, Activation = ActivationKind.LeakyReLU, TanhBottleneck = true }).Fit(data);
        using var stream = new MemoryStream();
        ae.Save(stream);
        stream.Position = 0;
        using var loaded = Autoencoder.Load(stream);
        Assert.Equal(ae.Architecture, loaded.Architecture);
        Assert.Equal(ae.LossHistory, loaded.LossHistory);
        Assert.Equal(ae.Scaler.Kind, loaded.Scaler.Kind);
        Assert.Equal(ae.Scaler.Offset, loaded.Scaler.Offset);
        Assert.True(DeepTestData.Same(ae.Encode(data), loaded.Encode(data)));
        Assert.True(DeepTestData.Same(ae.Reconstruct(data), loaded.Reconstruct(data)));
    }

    [Fact]
    public void LoadRejectsOtherFilesWithModelFormatException()
    {
        Assert.Throws<ModelFormatException>(() => Autoencoder.Load(new MemoryStream(new byte[] { 1, 2, 3 })));
        var data = DeepTestData.Blobs(rows: 60);
        using var ae = new AutoencoderTrainer(Tiny() with { Epochs = 1 }).Fit(data);
        using var stream = new MemoryStream();
        ae.Save(stream);
        var bytes = stream.ToArray();
        Array.Resize(ref bytes, bytes.Length / 2);
        Assert.Throws<ModelFormatException>(() => Autoencoder.Load(new MemoryStream(bytes)));
    }

    [Fact]
    public void EncodeRejectsAnotherFeatureCount()
    {
        using var ae = new AutoencoderTrainer(Tiny() with { Epochs = 1 }).Fit(DeepTestData.Blobs(rows: 60));
        var e = Assert.Throws<ArgumentException>(() => ae.Encode(DeepTestData.Blobs(rows: 10, features: 5)));
        Assert.Contains("12 features", e.Message);
    }

    [Fact]
    public void CancellationAfterTheFirstEpochThrows()
    {
        using var cts = new CancellationTokenSource();
        int reports = 0;
        var progress = new SyncProgress(p => { reports++; Assert.Equal(TrainingPhase.Pretraining, p.Phase); cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => new AutoencoderTrainer(Tiny()).Fit(DeepTestData.Blobs(), progress, cts.Token));
        Assert.Equal(1, reports);
    }

    [Fact]
    public void ProgressReportsEveryEpoch()
    {
        var seen = new List<TrainingProgress>();
        using var ae = new AutoencoderTrainer(Tiny() with { Epochs = 3 }).Fit(DeepTestData.Blobs(rows: 90), new SyncProgress(seen.Add));
        Assert.Equal(new[] { 1, 2, 3 }, seen.Select(p => p.Iteration));
        Assert.All(seen, p => Assert.Equal(3, p.TotalIterations));
        Assert.Equal(ae.LossHistory, seen.Select(p => p.Objective));
    }

    [Theory]
    [InlineData(nameof(AutoencoderTrainerOptions.Epochs))]
    [InlineData(nameof(AutoencoderTrainerOptions.BatchSize))]
    [InlineData(nameof(AutoencoderTrainerOptions.LearningRate))]
    [InlineData(nameof(AutoencoderTrainerOptions.NoiseLevel))]
    [InlineData(nameof(AutoencoderTrainerOptions.LatentSize))]
    public void InvalidOptionsNameTheOption(string option)
    {
        var bad = option switch
        {
            nameof(AutoencoderTrainerOptions.Epochs) => Tiny() with { Epochs = 0 },
            nameof(AutoencoderTrainerOptions.BatchSize) => Tiny() with { BatchSize = 0 },
            nameof(AutoencoderTrainerOptions.LearningRate) => Tiny() with { LearningRate = double.NaN },
            nameof(AutoencoderTrainerOptions.NoiseLevel) => Tiny() with { Noise = NoiseKind.Masking, NoiseLevel = 1.5 },
            _ => Tiny() with { LatentSize = 0 },
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AutoencoderTrainer(bad).Fit(DeepTestData.Blobs(rows: 30)));
        Assert.Equal(option, e.ParamName);
    }

    [Fact]
    public void ConvolutionalNetworkNeedsImagesAndTrainsOnThem()
    {
        var conv = Tiny() with { Network = NetworkKind.Convolutional, HiddenSizes = new[] { 4, 8 }, Epochs = 2 };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AutoencoderTrainer(conv).Fit(DeepTestData.Blobs(rows: 30)));
        Assert.Equal(nameof(AutoencoderTrainerOptions.Network), e.ParamName);
        var images = DeepTestData.Images(rows: 60);
        using var ae = new AutoencoderTrainer(conv with { Noise = NoiseKind.Gaussian, NoiseLevel = 0.1 }).Fit(images);
        Assert.Equal(ScalerKind.None, ae.Scaler.Kind); // images are used as given
        Assert.Equal(3, ae.Encode(images).GetLength(1));
        Assert.True(ae.LossHistory[^1] < ae.LossHistory[0]);
    }

    [Fact]
    public void AugmentedPretrainingReconstructsUnseenViewsBetterAndIsDeterministic()
    {
        // DEC-DA's pretraining: trained on random views, the network should reconstruct fresh views of the images
        // better than one trained on the images alone, which has never seen a shifted or rotated bar.
        var images = DeepTestData.Images(rows: 120);
        var options = Tiny() with { Epochs = 30, HiddenSizes = new[] { 64, 32 }, LatentSize = 4, LearningRate = 3e-3 };
        using var plain = new AutoencoderTrainer(options).Fit(images);
        using var augmented = new AutoencoderTrainer(options with { Augment = true }).Fit(images);
        using var again = new AutoencoderTrainer(options with { Augment = true }).Fit(images);
        Assert.True(DeepTestData.Same(augmented.Encode(images), again.Encode(images)));
        Assert.False(DeepTestData.Same(augmented.Encode(images), plain.Encode(images)));

        float[] views;
        using (var random = new RandomSource(99))
        using (var x = images.ToTensor())
        using (var v = Augmentation.View(x, images.Image, new AugmentationOptions { PixelNoise = 0 }, random))
            views = v.data<float>().ToArray();
        var unseen = Dataset.FromValues(views, images.Rows, images.Columns, images.Labels, "views", images.Image);
        double plainError = plain.ReconstructionError(unseen), augmentedError = augmented.ReconstructionError(unseen);
        Assert.True(augmentedError < 0.9 * plainError, $"views: augmented {augmentedError:G4}, plain {plainError:G4}");
    }

    [Fact]
    public void NullAugmentationIsRejectedByName()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new AutoencoderTrainer(Tiny() with { Augment = true, Augmentation = null! }).Fit(DeepTestData.Blobs(rows: 30)));
        Assert.Equal(nameof(AutoencoderTrainerOptions.Augmentation), e.ParamName);
        var nested = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new AutoencoderTrainer(Tiny() with { Augmentation = new AugmentationOptions { Rotation = -1 } }).Fit(DeepTestData.Blobs(rows: 30)));
        Assert.Equal("Augmentation.Rotation", nested.ParamName);
    }

    [Fact]
    public void DivergenceIsReportedWithTheOptionToChange()
    {
        var e = Assert.Throws<ClusteringNumericsException>(() =>
            new AutoencoderTrainer(Tiny() with { LearningRate = 10, Epochs = 30, Scaler = ScalerKind.None }).Fit(Huge()));
        Assert.Contains("LearningRate", e.Message);

        static Dataset Huge()
        {
            var b = DeepTestData.Blobs(rows: 64);
            var v = b.Values.ToArray().Select(x => x * 1e18f).ToArray();
            return Dataset.FromValues(v, b.Rows, b.Columns);
        }
    }

    [Theory]
    [InlineData(LearningRateSchedule.None, 5, 1e-3)]
    [InlineData(LearningRateSchedule.Step, 0, 1e-3)]
    [InlineData(LearningRateSchedule.Step, 3, 1e-4)]
    [InlineData(LearningRateSchedule.Step, 7, 1e-5)]
    [InlineData(LearningRateSchedule.Cosine, 0, 1e-3)]
    [InlineData(LearningRateSchedule.Cosine, 5, 5e-4)]
    public void LearningRateSchedules(LearningRateSchedule schedule, int epoch, double expected)
        => Assert.Equal(expected, PretrainSettings.LearningRateAt(schedule, 1e-3, epoch, 10, null, 0.1), 9);

    /// <summary>Reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    internal sealed class SyncProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }

    [Fact]
    public void DefaultScalingStandardisesRawPixelsOnlyForATanhCode()
    {
        var digits = EmbeddedDatasets.Load("digits");                       // 8 x 8 images, pixels 0–16
        var unit = Dataset.FromValues(digits.Values.ToArray().Select(v => v / 16f).ToArray(), digits.Rows, digits.Columns,
            digits.Labels, "digits / 16", digits.Image);                      // the same images in [0, 1]
        var tabular = EmbeddedDatasets.Load("iris");
        Assert.Equal(ScalerKind.Standardize, DeepScaling.DefaultKind(digits, tanhCode: true));
        Assert.Equal(ScalerKind.None, DeepScaling.DefaultKind(digits, tanhCode: false));
        Assert.Equal(ScalerKind.None, DeepScaling.DefaultKind(unit, tanhCode: true));
        Assert.Equal(ScalerKind.Standardize, DeepScaling.DefaultKind(tabular, tanhCode: false));
        // The trainer resolves a null Scaler the same way, and an explicit one wins.
        var small = digits.Slice(0, 200);
        var options = new AutoencoderTrainerOptions { LatentSize = 4, HiddenSizes = new[] { 16 }, Epochs = 1, TanhBottleneck = true };
        using (var ae = new AutoencoderTrainer(options).Fit(small)) Assert.Equal(ScalerKind.Standardize, ae.Scaler.Kind);
        using (var ae = new AutoencoderTrainer(options with { TanhBottleneck = false }).Fit(small)) Assert.Equal(ScalerKind.None, ae.Scaler.Kind);
        using (var ae = new AutoencoderTrainer(options with { Scaler = ScalerKind.None }).Fit(small)) Assert.Equal(ScalerKind.None, ae.Scaler.Kind);
    }
}
