using DeepClustering.Core;

namespace DeepClustering.Training;

/// <summary>Resolved reconstruction-training settings shared by the trainer and the deep pipeline.</summary>
internal sealed record PretrainSettings(
    int Epochs,
    int BatchSize,
    double LearningRate,
    LearningRateSchedule Schedule,
    int? ScheduleStepEpochs,
    double ScheduleFactor,
    NoiseKind Noise,
    double NoiseLevel,
    double WeightDecay,
    string LearningRateOption,
    AugmentationOptions? Augmentation = null)
{
    /// <summary>Learning rate for a 0-based epoch.</summary>
    public double LearningRateAt(int epoch) => LearningRateAt(Schedule, LearningRate, epoch, Epochs, ScheduleStepEpochs, ScheduleFactor);

    /// <summary>Learning rate of a schedule for a 0-based epoch.</summary>
    public static double LearningRateAt(LearningRateSchedule schedule, double rate, int epoch, int epochs, int? stepEpochs, double factor)
    {
        switch (schedule)
        {
            case LearningRateSchedule.Step:
                int step = stepEpochs ?? Math.Max(1, epochs / 3);
                return rate * Math.Pow(factor, epoch / step);
            case LearningRateSchedule.Cosine:
                return rate * 0.5 * (1 + Math.Cos(Math.PI * epoch / Math.Max(1, epochs)));
            default:
                return rate;
        }
    }

    /// <summary>Shared validation of the training settings, naming the caller's option names.</summary>
    public static void Check(string batchOption, int batch, string rateOption, double rate, string scheduleOption, LearningRateSchedule schedule,
        string stepOption, int? stepEpochs, string factorOption, double factor, string noiseOption, NoiseKind noise,
        string levelOption, double level, string decayOption, double decay)
    {
        OptionCheck.InRange(batchOption, batch, 1);
        OptionCheck.GreaterThan(rateOption, rate, 0);
        OptionCheck.InRange(rateOption, rate, 0, 10);
        OptionCheck.Defined(scheduleOption, schedule);
        if (stepEpochs is int s) OptionCheck.InRange(stepOption, s, 1);
        OptionCheck.GreaterThan(factorOption, factor, 0);
        OptionCheck.InRange(factorOption, factor, 0, 1);
        OptionCheck.Defined(noiseOption, noise);
        if (noise == NoiseKind.Masking) OptionCheck.InRange(levelOption, level, 0, 0.99);
        else OptionCheck.InRange(levelOption, level, 0, 100);
        OptionCheck.InRange(decayOption, decay, 0, 1);
    }
}
