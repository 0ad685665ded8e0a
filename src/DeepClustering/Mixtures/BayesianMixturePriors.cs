using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// The resolved priors of a variational (Dirichlet-process) Gaussian mixture, in the fit's centred coordinates,
/// as plain double arrays (they are small and shared by every parameter set of a fit):
/// a Beta(1, <see cref="WeightConcentration"/>) stick-breaking prior on the weights and a Gaussian–Wishart prior
/// on each component's mean and precision (mean <see cref="Mean"/>, precision scaling
/// <see cref="MeanPrecision"/>, <see cref="DegreesOfFreedom"/> and scale <see cref="Covariance"/>).
/// </summary>
public sealed class BayesianMixturePriors
{
    /// <summary>Creates the priors (arrays are copied).</summary>
    /// <param name="covarianceType">Covariance type (sets the shape of <paramref name="covariance"/>).</param>
    /// <param name="weightConcentration">α₀ of the Beta(1, α₀) sticks (&gt; 0).</param>
    /// <param name="meanPrecision">κ₀, the precision scaling of the mean prior (&gt; 0).</param>
    /// <param name="mean">m₀, the mean prior in centred coordinates (D).</param>
    /// <param name="degreesOfFreedom">ν₀ of the Wishart prior (&gt; D − 1).</param>
    /// <param name="covariance">Covariance prior, flattened: Full/Tied D·D values, Diagonal D, Spherical 1.</param>
    public BayesianMixturePriors(CovarianceType covarianceType, double weightConcentration, double meanPrecision, double[] mean,
        double degreesOfFreedom, double[] covariance)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(covariance);
        int d = mean.Length;
        int expected = covarianceType switch
        {
            CovarianceType.Full or CovarianceType.Tied => d * d,
            CovarianceType.Diagonal => d,
            _ => 1,
        };
        if (covariance.Length != expected)
            throw new ArgumentException($"covariance has {covariance.Length} values but a {covarianceType} prior in {d} dimensions needs {expected}.", nameof(covariance));
        Covariance = covarianceType;
        WeightConcentration = weightConcentration;
        MeanPrecision = meanPrecision;
        Mean = (double[])mean.Clone();
        DegreesOfFreedom = degreesOfFreedom;
        CovarianceValues = (double[])covariance.Clone();
    }

    /// <summary>Covariance type.</summary>
    public CovarianceType Covariance { get; }

    /// <summary>Number of features D.</summary>
    public int Features => Mean.Length;

    /// <summary>α₀: concentration of the Beta(1, α₀) stick-breaking prior.</summary>
    public double WeightConcentration { get; }

    /// <summary>κ₀: precision scaling of the Gaussian prior on the means.</summary>
    public double MeanPrecision { get; }

    /// <summary>m₀: mean of the Gaussian prior on the means (centred coordinates, D).</summary>
    public double[] Mean { get; }

    /// <summary>ν₀: degrees of freedom of the Wishart prior.</summary>
    public double DegreesOfFreedom { get; }

    /// <summary>Covariance prior, flattened (Full/Tied row-major D x D, Diagonal D, Spherical one value).</summary>
    public double[] CovarianceValues { get; }

    /// <summary>The covariance prior as a double tensor on <paramref name="device"/>: Full/Tied D x D, Diagonal D, Spherical scalar.</summary>
    public Tensor CovarianceTensor(Device device)
    {
        int d = Features;
        var shape = Covariance switch
        {
            CovarianceType.Full or CovarianceType.Tied => new long[] { d, d },
            CovarianceType.Diagonal => new long[] { d },
            _ => Array.Empty<long>(),
        };
        using var t = tensor(CovarianceValues, shape, dtype: ScalarType.Float64);
        return t.to(device).clone();
    }

    /// <summary>The mean prior as a double tensor (D) on <paramref name="device"/>.</summary>
    public Tensor MeanTensor(Device device)
    {
        using var t = tensor(Mean, dtype: ScalarType.Float64);
        return t.to(device).clone();
    }
}
