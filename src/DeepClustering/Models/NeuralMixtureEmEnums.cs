namespace DeepClustering.Models;

/// <summary>
/// How <see cref="NeuralMixtureEm"/> gives its K last-layer neurons equal mass, so that they act as cluster densities
/// rather than scores. Every neuron first computes the kernel <c>σ(cos(h, w_k) / τ)</c> of the code h and its weight
/// vector w_k (the normalised sigmoid input); the normalisation then divides it by a constant, chosen so that each
/// f_k integrates to 1 over a reference measure.
/// </summary>
public enum DensityNormalization
{
    /// <summary>
    /// Over the data: <c>f_k(x) = σ(cos/τ) / E_data[σ(cos/τ)]</c>, the expectation estimated on each training batch
    /// (with gradients) and by a running average for prediction. Each f_k has mean 1 over the data, so a cluster can be
    /// dense only on part of the data: a neuron that fires for every row gains nothing, and concentrating on its own
    /// rows raises the likelihood by up to log K. This is what keeps EM from the trivial solution in which every neuron
    /// covers every row. The default.
    /// </summary>
    Data,

    /// <summary>
    /// Over the unit sphere of the codes: <c>f_k(x) = 2σ(cos/τ)</c> has mass exactly 1 under the uniform measure on
    /// the sphere for every w_k (the cosine is symmetric around 0 and σ(t) + σ(−t) = 1). This bounds what a neuron can
    /// claim on the sphere but not where the network puts the data, so the network can move every code into the
    /// region where all neurons fire; only the balance and consistency terms then guard against that trivial solution.
    /// Kept for comparison with the reconstruction in the specification.
    /// </summary>
    Sphere,
}
