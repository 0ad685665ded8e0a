using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>
/// One parameter set of soft k-means in the fit's centred coordinates: the centres θ (K x D, double), the cluster
/// shares (mean soft assignment per cluster, K, double) and the temperature, with a prepared Q-step kernel in the
/// working precision. While an E-step runs it also remembers the rows farthest from their nearest centre, which
/// re-seed empty clusters in the next θ-step. Owns and disposes its tensors (detached from dispose scopes).
/// </summary>
public sealed class SoftKMeansParameters : IDisposable
{
    private readonly Tensor _kernel;   // (D + 1) x K: [2θᵀ; −1] / T, applied to the augmented rows [x, ‖x‖²]
    private readonly Tensor _bias;     // K: −‖θ‖² / T
    private Tensor? _farRows;          // m x D, working dtype
    private Tensor? _farDistances;     // m

    /// <summary>Takes ownership of <paramref name="centres"/> and <paramref name="weights"/> (double tensors).</summary>
    /// <param name="centres">Centres θ (K x D) in centred coordinates.</param>
    /// <param name="weights">Cluster shares (K), summing to 1.</param>
    /// <param name="temperature">T = λ·K.</param>
    /// <param name="dtype">Working dtype of the Q-step kernel.</param>
    public SoftKMeansParameters(Tensor centres, Tensor weights, double temperature, ScalarType dtype)
    {
        Centres = centres.to(ScalarType.Float64).DetachFromDisposeScope();
        Weights = weights.to(ScalarType.Float64).DetachFromDisposeScope();
        Temperature = temperature;
        using var scope = NewDisposeScope();
        var k = Centres.shape[0];
        var rows = cat(new[] { Centres.t() * 2, -ones(1, k, dtype: ScalarType.Float64, device: Centres.device) }, 0);
        _kernel = (rows / temperature).to(dtype).DetachFromDisposeScope();
        _bias = (Centres.square().sum(dim: 1) / -temperature).to(dtype).DetachFromDisposeScope();
    }

    /// <summary>Centres θ (K x D, double, centred coordinates).</summary>
    public Tensor Centres { get; }

    /// <summary>Cluster shares: the mean soft assignment of each cluster (K, double).</summary>
    public Tensor Weights { get; }

    /// <summary>Temperature T.</summary>
    public double Temperature { get; }

    /// <summary>Σ_i ‖x_i − mean‖² of the training data, once known (it scales the reported objective).</summary>
    internal double TotalSumOfSquares { get; set; } = double.NaN;

    /// <summary>Empty clusters re-seeded so far in this restart.</summary>
    internal int Reseeded { get; set; }

    /// <summary>−‖x − θ_k‖² / T for a chunk of augmented rows [x, ‖x‖²] (n x K, working dtype, a new tensor).</summary>
    internal Tensor Logits(RowChunk chunk)
    {
        using var scope = NewDisposeScope();
        var w = _bias.unsqueeze(0).addmm(chunk.Augmented, _kernel);
        TrackFarthest(chunk, w);
        return w.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The rows farthest from their nearest centre seen since the last chunk that started at row 0 (at most K rows,
    /// farthest first), or null before any E-step.
    /// </summary>
    internal Tensor? FarthestRows => _farRows;

    private void TrackFarthest(RowChunk chunk, Tensor logits)
    {
        if (chunk.Start == 0) ResetFarthest();
        using var scope = NewDisposeScope();
        int m = (int)Math.Min(Centres.shape[0], chunk.Rows);
        var nearest = logits.amax(new long[] { 1 }).neg_();                 // min_k ‖x − θ_k‖² / T
        var (values, indexes) = nearest.topk(m);
        var rows = chunk.X.index_select(0, indexes);
        if (_farRows is not null && _farDistances is not null)
        {
            var allValues = cat(new[] { _farDistances, values }, 0);
            var allRows = cat(new[] { _farRows, rows }, 0);
            (values, indexes) = allValues.topk(Math.Min((int)Centres.shape[0], (int)allValues.shape[0]));
            rows = allRows.index_select(0, indexes);
        }
        ResetFarthest();
        _farDistances = values.contiguous().DetachFromDisposeScope();
        _farRows = rows.contiguous().DetachFromDisposeScope();
    }

    private void ResetFarthest()
    {
        _farRows?.Dispose(); _farDistances?.Dispose();
        _farRows = null; _farDistances = null;
    }

    /// <summary>Releases every tensor.</summary>
    public void Dispose()
    {
        Centres.Dispose(); Weights.Dispose(); _kernel.Dispose(); _bias.Dispose();
        ResetFarthest();
    }
}
