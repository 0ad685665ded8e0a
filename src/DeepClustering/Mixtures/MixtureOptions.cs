using DeepClustering.Core;

namespace DeepClustering.Mixtures;

/// <summary>
/// Options shared by every EM-fitted mixture (<see cref="GaussianMixture"/> and models built on
/// <see cref="MixtureEstimatorBase{TOptions, TParameters, TModel}"/>). Immutable; validated when fitting.
/// </summary>
public abstract record MixtureOptions : ClusteringOptions
{
    /// <summary>Number of mixture components K (≥ 1). Default 1.</summary>
    public int Components { get; init; } = 1;

    /// <summary>Covariance shape of the components. Default <see cref="CovarianceType.Full"/>.</summary>
    public CovarianceType Covariance { get; init; } = CovarianceType.Full;

    /// <summary>Non-negative value added to the covariance diagonals so they stay positive definite (sklearn <c>reg_covar</c>). Default 1e-6.</summary>
    public double CovarianceRegularization { get; init; } = 1e-6;

    /// <summary>How initial responsibilities are chosen. Default <see cref="MixtureInit.KMeans"/>.</summary>
    public MixtureInit Init { get; init; } = MixtureInit.KMeans;

    /// <summary>Number of initialisations (sklearn <c>n_init</c>, ≥ 1); the one with the best lower bound is kept. Default 1.</summary>
    public int Restarts { get; init; } = 1;

    /// <summary>EM iterations per restart (≥ 1). Default 100.</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>Convergence threshold on the change of the lower bound (mean log-likelihood per row) between iterations (≥ 0). Default 1e-3.</summary>
    public double Tolerance { get; init; } = 1e-3;

    /// <summary>Floating-point type of the per-row tensor work. Default <see cref="FloatPrecision.Float32"/>.</summary>
    public FloatPrecision Precision { get; init; } = FloatPrecision.Float32;

    /// <summary>
    /// Rows per chunk in the E- and M-steps (≥ 1); memory grows with chunk x K x D, not with the row count.
    /// Null (default) chooses by memory: about 16 MB of temporaries per chunk, at most 65,536 rows; the E-step of a
    /// maximum-likelihood fit with diagonal or spherical components on CPU, which writes no temporaries, then takes
    /// in-memory data 1,048,576 rows at a time.
    /// </summary>
    public int? ChunkSize { get; init; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        OptionCheck.InRange(nameof(Components), Components, 1);
        OptionCheck.Defined(nameof(Covariance), Covariance);
        OptionCheck.InRange(nameof(CovarianceRegularization), CovarianceRegularization, 0);
        OptionCheck.Defined(nameof(Init), Init);
        OptionCheck.InRange(nameof(Restarts), Restarts, 1);
        OptionCheck.InRange(nameof(MaxIterations), MaxIterations, 1);
        OptionCheck.InRange(nameof(Tolerance), Tolerance, 0);
        OptionCheck.Defined(nameof(Precision), Precision);
        if (ChunkSize is int c) OptionCheck.InRange(nameof(ChunkSize), c, 1);
    }
}
