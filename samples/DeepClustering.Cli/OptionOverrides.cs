using System.Globalization;
using System.Reflection;

namespace DeepClustering.Cli;

/// <summary>
/// <c>--set Name=Value</c>: sets any public option of the chosen model by name (for example
/// <c>--set ConsistencyWeight=0</c> for neural-em), so every option is reachable without a dedicated flag.
/// Values are parsed invariantly: numbers, true/false, enum member names, or "null" for optional values; fields of a
/// nested options record are reached with a dotted name (<c>--set Augmentation.Rotation=5</c>).
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
            SetPath(options, name.Split('.'), text, name, options.GetType().Name);
        }
        return options;
    }

    /// <summary>
    /// Sets <paramref name="path"/> on <paramref name="target"/>. A dotted path reaches a field of a nested options
    /// record (e.g. <c>Augmentation.Rotation</c>): the nested record is copied, changed and put back, so a record
    /// shared with other options (such as <c>AugmentationOptions.None</c>) is never changed.
    /// </summary>
    private static void SetPath(object target, string[] path, string text, string name, string owner)
    {
        var type = target.GetType();
        var property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        bool nested = path.Length > 1;
        if (property is null || !property.CanWrite || nested != IsNestedRecord(property.PropertyType))
            throw new ArgumentException($"--set: {owner} has no option '{name}'; settable options: {string.Join(", ", Settable(type))}.");
        if (!nested)
        {
            property.SetValue(target, Parse(property.PropertyType, text, name));
            return;
        }
        var current = property.GetValue(target)
            ?? throw new ArgumentException($"--set {name}: {path[0]} is null; it cannot be changed field by field.");
        var copy = Clone(current);
        SetPath(copy, path[1..], text, name, owner);
        property.SetValue(target, copy);
    }

    /// <summary>Option names that take a scalar value (numbers, booleans, enums), with nested records' fields as Parent.Field.</summary>
    public static IEnumerable<string> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .SelectMany(p => IsScalar(Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType) ? [p.Name]
                : IsNestedRecord(p.PropertyType) ? Settable(p.PropertyType).Select(n => $"{p.Name}.{n}") : Array.Empty<string>())
            .OrderBy(n => n, StringComparer.Ordinal);

    /// <summary>A record type of this library (it has the compiler's clone method), such as <c>AugmentationOptions</c>.</summary>
    private static bool IsNestedRecord(Type t) =>
        t.IsClass && t.Namespace?.StartsWith("DeepClustering", StringComparison.Ordinal) == true && t.GetMethod("<Clone>$") is not null;

    private static object Clone(object record) => record.GetType().GetMethod("<Clone>$")!.Invoke(record, null)!;

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
