namespace DeepClustering.Core;

/// <summary>Uniform option validation: every failure names the option and the allowed range.</summary>
public static class OptionCheck
{
    /// <summary>Requires <paramref name="min"/> ≤ value ≤ <paramref name="max"/>.</summary>
    public static void InRange(string option, int value, int min, int max = int.MaxValue)
    {
        if (value < min || value > max)
            throw new ArgumentOutOfRangeException(option, value, $"{option} must be in [{min}, {Describe(max)}]; got {value}.");
    }

    /// <summary>Requires <paramref name="min"/> ≤ value ≤ <paramref name="max"/> and a finite value.</summary>
    public static void InRange(string option, double value, double min, double max = double.PositiveInfinity)
    {
        if (!double.IsFinite(value) || value < min || value > max)
            throw new ArgumentOutOfRangeException(option, value, $"{option} must be a finite number in [{min}, {max}]; got {value}.");
    }

    /// <summary>Requires a finite value strictly greater than <paramref name="min"/>.</summary>
    public static void GreaterThan(string option, double value, double min)
    {
        if (!double.IsFinite(value) || value <= min)
            throw new ArgumentOutOfRangeException(option, value, $"{option} must be a finite number greater than {min}; got {value}.");
    }

    /// <summary>Requires a defined enum value.</summary>
    public static void Defined<TEnum>(string option, TEnum value) where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw new ArgumentOutOfRangeException(option, value, $"{option} must be one of {string.Join(", ", Enum.GetNames<TEnum>())}; got {value}.");
    }

    private static string Describe(int max) => max == int.MaxValue ? "∞" : max.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
