using TorchSharp;

namespace DeepClustering.Mixtures;

/// <summary>
/// Long-lived TorchSharp scalars for the per-chunk loops. TorchSharp 0.107 frees an implicitly created
/// <see cref="Scalar"/> (for example the hidden alpha = 1 of <c>a + b</c>) only through its finalizer, which a
/// concurrent garbage collection may run while the native call is still reading it ("Unknown scalar type").
/// Static instances are never finalised, so the hot loops pass these explicitly.
/// </summary>
internal static class Scalars
{
    public static readonly Scalar Zero = 0.ToScalar();
    public static readonly Scalar One = 1.ToScalar();
    public static readonly Scalar OneDouble = 1.0.ToScalar();
    public static readonly Scalar Two = 2.ToScalar();
    public static readonly Scalar MinusHalf = (-0.5).ToScalar();

    /// <summary>Floor of shifted log-responsibilities: exp(floor) stays a normal number in the dtype (see the E-step).</summary>
    public static readonly Scalar ExpFloor32 = (-80.0).ToScalar();

    /// <inheritdoc cref="ExpFloor32"/>
    public static readonly Scalar ExpFloor64 = (-690.0).ToScalar();
}
