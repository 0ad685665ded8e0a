using System.Globalization;
using System.Reflection;

namespace DeepClustering.Cli;

/// <summary>
/// <c>--set Name=Value</c>: sets any public option of the chosen model by name (for example
/// <c>--set ConsistencyWeight=0</c> for neural-em), so every option is reachable without a dedicated flag.
/// Values are parsed invariantly: numbers, true/false, enum member names, or "null" for optional values.
/// </summary>
internal static class OptionOverrides
{
    /// <summary>Applies the assignments to a freshly built options object owned by the catalog (never a user's).</summary>
    public static T Apply<T>(T options, IReadOnlyList<string> assignments) where T : notnull
    {
        foreach (var assignment in assignments)
        {
            int eq = assignment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new ArgumentException($"--set '{assignment}' is not Name=Value (for example --set Epochs=20).");
            string name = assignment[..eq].Trim(), text = assignment[(eq + 1)..].Trim();
            var property = options.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite)
                throw new ArgumentException($"--set: {options.GetType().Name} has no option '{name}'; settable options: {string.Join(", ", Settable(options.GetType()))}.");
            property.SetValue(options, Parse(property.PropertyType, text, name));
        }
        return options;
    }

    /// <summary>Option names that take a scalar value (numbers, booleans, enums).</summary>
    public static IEnumerable<string> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && IsScalar(Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType))
            .Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal);

    private static bool IsScalar(Type t) => t.IsEnum || t == typeof(int) || t == typeof(long) || t == typeof(double) || t == typeof(float) || t == typeof(bool);

    private static object? Parse(Type type, string text, string name)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (text.Equals("null", StringComparison.OrdinalIgnoreCase))
            return underlying is not null ? null : throw new ArgumentException($"--set {name}: this option cannot be null.");
        var t = underlying ?? type;
        try
        {
            if (t.IsEnum)
                return Enum.TryParse(t, text, ignoreCase: true, out var e) && Enum.IsDefined(t, e!)
                    ? e : throw new FormatException($"choose one of {string.Join(", ", Enum.GetNames(t))}");
            if (t == typeof(int)) return int.Parse(text, CultureInfo.InvariantCulture);
            if (t == typeof(long)) return long.Parse(text, CultureInfo.InvariantCulture);
            if (t == typeof(double)) return double.Parse(text, CultureInfo.InvariantCulture);
            if (t == typeof(float)) return float.Parse(text, CultureInfo.InvariantCulture);
            if (t == typeof(bool)) return bool.Parse(text);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ArgumentException($"--set {name}={text}: not a valid {t.Name} ({e.Message}).", e);
        }
        throw new ArgumentException($"--set {name}: options of type {t.Name} cannot be set from the command line.");
    }
}
