using DeepClustering.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Mixtures;

/// <summary>One k-means run's result (tensors on the data's device; the caller owns them).</summary>
internal sealed class KMeansRun : IDisposable
{
    public required Tensor Centers { get; init; }      // K x D, working dtype, centred coordinates
    public required Tensor Labels { get; init; }       // N int64
    public required double Inertia { get; init; }
    public required int Iterations { get; init; }
    public required bool Converged { get; init; }
    public required List<double> History { get; init; }
    public required List<string> Warnings { get; init; }
    public int BestRestart { get; set; }

    public void Dispose() { Centers.Dispose(); Labels.Dispose(); }
}

/// <summary>
/// k-means on an in-memory tensor: greedy k-means++ seeding (D² sampling) and Lloyd iterations as chunked
/// tensor ops (‖x‖² + ‖c‖² − 2 x·c via <c>addmm</c>, sums via a one-hot product), with scikit-learn's stopping
/// rules and empty clusters re-seeded at the points farthest from their centres. Works on CPU or CUDA alike.
/// </summary>
internal static class KMeansEngine
{
    /// <summary>Rows per chunk: about 1 MB of K x n temporaries (cache-resident), between 256 and 65,536 rows.</summary>
    public static int DefaultChunkRows(int clusters, int features, int elementBytes)
    {
        long perRow = 2L * clusters + 2;
        return (int)Math.Clamp((1L << 20) / (perRow * elementBytes), 256, 65536);
    }

    /// <summary>Squared row norms (N), same dtype as x.</summary>
    public static Tensor RowNorms(Tensor x)
    {
        if (HostReductions.Supports(x)) return HostReductions.RowSquaredNorms(x, (int)x.shape[1]);
        using var sq = x.mul(x);
        return sq.sum(dim: 1);
    }

    /// <summary>Greedy k-means++: returns the indices of the K seeds (scikit-learn's <c>_kmeans_plusplus</c>).</summary>
    public static long[] SeedPlusPlus(Tensor x, Tensor xx, int k, Random random, int chunkRows, CancellationToken ct)
    {
        using var outer = NewDisposeScope();
        long n = x.shape[0];
        int trials = 2 + (int)Math.Log(k);
        var indices = new long[k];
        indices[0] = random.NextInt64(n);
        var closest = SquaredDistancesTo(x, xx, x[indices[0]].unsqueeze(0), chunkRows).squeeze(0).to(ScalarType.Float64); // N
        double pot = closest.sum().item<double>();
        for (int c = 1; c < k; c++)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            long[] candidates;
            if (pot <= 0 || !double.IsFinite(pot))
                candidates = Enumerable.Range(0, trials).Select(_ => random.NextInt64(n)).ToArray(); // all points coincide with seeds
            else
            {
                var cum = closest.cumsum(dim: 0);
                var draws = tensor(Enumerable.Range(0, trials).Select(_ => random.NextDouble() * pot).ToArray(), dtype: ScalarType.Float64, device: x.device);
                candidates = searchsorted(cum, draws).clamp_max(n - 1).cpu().data<long>().ToArray();
            }
            var candRows = x.index_select(0, tensor(candidates, device: x.device));
            var d = SquaredDistancesTo(x, xx, candRows, chunkRows).to(ScalarType.Float64);       // trials x N
            var pots = minimum(d, closest.unsqueeze(0)).sum(dim: 1);
            int best = (int)pots.argmin().item<long>();
            pot = pots[best].item<double>();
            closest.copy_(minimum(d[best], closest));
            indices[c] = candidates[best];
        }
        return indices;
    }

    /// <summary>K distinct row indices uniformly at random.</summary>
    public static long[] SeedRandom(long n, int k, RandomSource rng, Device device)
    {
        using var perm = rng.Permutation(n, CPU);
        return perm.narrow(0, 0, k).data<long>().ToArray();
    }

    /// <summary>Squared Euclidean distances from each of the M points to every row (M x N), clamped at 0.</summary>
    public static Tensor SquaredDistancesTo(Tensor x, Tensor xx, Tensor points, int chunkRows)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var pp = points.square().sum(dim: 1, keepdim: true);                                     // M x 1
        var parts = new List<Tensor>();
        for (long s = 0; s < n; s += chunkRows)
        {
            long len = Math.Min(chunkRows, n - s);
            var xc = x.narrow(0, s, len);
            var d = pp.add(xx.narrow(0, s, len).unsqueeze(0), Scalars.One).addmm_(points, xc.t(), beta: 1, alpha: -2);
            parts.Add(d.clamp_min_(Scalars.Zero));
        }
        if (parts.Count == 0) return empty(new[] { points.shape[0], 0L }, dtype: x.dtype, device: x.device).MoveToOuterDisposeScope(); // no rows
        return (parts.Count == 1 ? parts[0] : cat(parts, 1)).MoveToOuterDisposeScope();
    }

    /// <summary>Nearest centre and squared distance for every row (labels int64 N, distances N).</summary>
    public static (Tensor Labels, Tensor Distances) Assign(Tensor x, Tensor xx, Tensor centers, int chunkRows, CancellationToken ct)
    {
        if (LloydKernel.Supports(x))
            return x.dtype == ScalarType.Float32 ? AssignCpu<float>(x, xx, centers, chunkRows, ct) : AssignCpu<double>(x, xx, centers, chunkRows, ct);
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var cc = centers.square().sum(dim: 1).unsqueeze(0);                                      // 1 x K
        var ct_ = centers.t();
        var labels = empty(n, dtype: ScalarType.Int64, device: x.device);
        var dist = empty(n, dtype: x.dtype, device: x.device);
        for (long s = 0; s < n; s += chunkRows)
        {
            ct.ThrowIfCancellationRequested();
            using var inner = NewDisposeScope();
            long len = Math.Min(chunkRows, n - s);
            var d = cc.addmm(x.narrow(0, s, len), ct_, beta: 1, alpha: -2);                      // ‖c‖² − 2x·c
            var arg = d.argmin(1, keepdim: true);
            labels.narrow(0, s, len).copy_(arg.squeeze(1));
            dist.narrow(0, s, len).copy_(d.gather(1, arg).squeeze(1).add_(xx.narrow(0, s, len), Scalars.One).clamp_min_(Scalars.Zero));
        }
        return (labels.MoveToOuterDisposeScope(), dist.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Runs <paramref name="body"/>(worker, start, length) over the row chunks on up to libtorch's intra-op thread
    /// count of workers, chunk c going to worker c mod workers (a fixed split, so per-worker sums are reproducible).
    /// The product per chunk is too small for libtorch to split across threads; splitting the chunks does.
    /// </summary>
    private static void ForEachChunk(long n, int chunkRows, int workers, CancellationToken ct, Action<int, long, long> body)
    {
        long chunks = (n + chunkRows - 1) / chunkRows;
        void Work(int w)
        {
            for (long c = w; c < chunks; c += workers)
            {
                if (ct.IsCancellationRequested) return;
                long start = c * chunkRows;
                body(w, start, Math.Min(chunkRows, n - start));
            }
        }
        if (workers == 1) Work(0);
        else
        {
            try
            {
                Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, Work);
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
        }
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>Workers for a CPU pass over <paramref name="n"/> rows: libtorch's thread count, at most one per chunk.</summary>
    private static int Workers(long n, int chunkRows) => (int)Math.Max(1, Math.Min(get_num_threads(), (n + chunkRows - 1) / chunkRows));

    /// <summary><see cref="Assign"/> on CPU: one x·cᵀ product per chunk, then the fused per-row kernel.</summary>
    private static (Tensor Labels, Tensor Distances) AssignCpu<T>(Tensor x, Tensor xx, Tensor centers, int chunkRows, CancellationToken ct)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        int k = (int)centers.shape[0];
        var cc = centers.square().sum(dim: 1).data<T>().ToArray();
        var centersT = centers.t();
        var labels = empty(n, dtype: ScalarType.Int64);
        var dist = empty(n, dtype: x.dtype);
        var xxc = xx.contiguous();
        int workers = Workers(n, chunkRows);
        var buffers = Enumerable.Range(0, workers).Select(_ => empty(Math.Min(chunkRows, n), k, dtype: x.dtype)).ToArray();
        ForEachChunk(n, chunkRows, workers, ct, (w, s, len) =>
        {
            using var inner = NewDisposeScope();
            var xc = x.narrow(0, s, len);
            if (!xc.is_contiguous()) xc = xc.contiguous();
            var dots = buffers[w].narrow(0, 0, len).addmm_(xc, centersT, beta: 0, alpha: 1);
            LloydKernel.Assign<T>(LloydKernel.Span<T>(dots), LloydKernel.Span<T>(xxc.narrow(0, s, len)), cc,
                LloydKernel.Span<long>(labels.narrow(0, s, len)), LloydKernel.Span<T>(dist.narrow(0, s, len)));
        });
        return (labels.MoveToOuterDisposeScope(), dist.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// One assignment pass on CPU with the fused kernel: cluster sums (K x D) and counts (K) in double, and the
    /// sum over rows of min ‖c‖² − 2x·c. Each worker accumulates its rows in order; the workers' totals are added in
    /// worker order, so a given thread count always gives the same bits.
    /// </summary>
    private static (Tensor Sums, Tensor Counts, double MinSum) AccumulateCpu<T>(Tensor x, Tensor centers, int chunkRows, CancellationToken ct)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        int k = (int)centers.shape[0], dim = (int)x.shape[1];
        var cc = centers.square().sum(dim: 1).data<T>().ToArray();
        var centersT = centers.t();
        int workers = Workers(n, chunkRows);
        var buffers = Enumerable.Range(0, workers).Select(_ => empty(Math.Min(chunkRows, n), k, dtype: x.dtype)).ToArray();
        var sums = new double[workers][];
        var counts = new double[workers][];
        var minSums = new double[workers];
        for (int w = 0; w < workers; w++) { sums[w] = new double[k * dim]; counts[w] = new double[k]; }
        ForEachChunk(n, chunkRows, workers, ct, (w, s, len) =>
        {
            using var inner = NewDisposeScope();
            var xc = x.narrow(0, s, len);
            if (!xc.is_contiguous()) xc = xc.contiguous();
            var dots = buffers[w].narrow(0, 0, len).addmm_(xc, centersT, beta: 0, alpha: 1);
            LloydKernel.Accumulate<T>(LloydKernel.Span<T>(dots), LloydKernel.Span<T>(xc), cc, dim, sums[w], counts[w], ref minSums[w]);
        });
        for (int w = 1; w < workers; w++)
        {
            for (int i = 0; i < sums[0].Length; i++) sums[0][i] += sums[w][i];
            for (int j = 0; j < k; j++) counts[0][j] += counts[w][j];
            minSums[0] += minSums[w];
        }
        return (tensor(sums[0], k, dim).MoveToOuterDisposeScope(), tensor(counts[0]).MoveToOuterDisposeScope(), minSums[0]);
    }

    /// <summary>Lloyd iterations from <paramref name="initialCenters"/> (scikit-learn's <c>_kmeans_single_lloyd</c>).</summary>
    public static KMeansRun Lloyd(Tensor x, Tensor xx, Tensor initialCenters, int maxIterations, double absoluteTolerance,
        int chunkRows, int restart, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        using var outer = NewDisposeScope();
        long n = x.shape[0];
        int k = (int)initialCenters.shape[0];
        var f64 = ScalarType.Float64;
        var centers = initialCenters.clone();
        var history = new List<double>();
        var warnings = new List<string>();
        int reseeded = 0, iterations = 0;
        bool converged = false, exactArgMin = false;
        double sumXX = xx.sum(type: f64).item<double>();
        bool cpuKernel = LloydKernel.Supports(x);
        for (int it = 1; it <= maxIterations; it++)
        {
            iterations = it;
            using var scope = NewDisposeScope();
            // Assignment with the current centres, accumulating the sums for the new ones in the same pass. On CPU
            // the fused kernel does it row by row (see LloydKernel). Elsewhere the distances are laid out K x n so
            // the minimum over centres is a fast vectorised reduction, and the assignment is the one-hot mask of
            // that minimum. A row that ties between centres would count twice: the counts then exceed n and the
            // pass is redone keeping each row's first minimum, as arg-min does.
            Tensor sums = null!, counts = null!, minSum = null!;
            if (cpuKernel)
            {
                var (cpuSums, cpuCounts, cpuMin) = x.dtype == ScalarType.Float32
                    ? AccumulateCpu<float>(x, centers, chunkRows, ct)
                    : AccumulateCpu<double>(x, centers, chunkRows, ct);
                sums = cpuSums; counts = cpuCounts;
                minSum = tensor(cpuMin);
            }
            else
            {
                var ccT = centers.square().sum(dim: 1, keepdim: true);                         // K x 1
                for (int attempt = 0; attempt < 2; attempt++)
                {
                    sums = zeros(k, x.shape[1], dtype: f64, device: x.device);
                    counts = zeros(k, dtype: f64, device: x.device);
                    minSum = zeros(Array.Empty<long>(), dtype: f64, device: x.device);
                    for (long s = 0; s < n; s += chunkRows)
                    {
                        ct.ThrowIfCancellationRequested();
                        using var inner = NewDisposeScope();
                        long len = Math.Min(chunkRows, n - s);
                        var xc = x.narrow(0, s, len);
                        var d = ccT.addmm(centers, xc.t(), beta: 1, alpha: -2);               // ‖c‖² − 2 c·x, K x n
                        var minv = d.amin(new long[] { 0 }, keepdim: true);                   // 1 x n
                        var onehot = d.eq(minv).to(x.dtype);
                        if (exactArgMin) onehot.mul_(onehot.cumsum(0).eq(Scalars.OneDouble));   // first minimum only, as arg-min
                        // Per-chunk sums in the working dtype (bounded rounding), accumulated across chunks in double.
                        sums.add_(onehot.matmul(xc).to(f64), Scalars.One);
                        counts.add_(onehot.sum(dim: 1, type: f64), Scalars.One);
                        minSum.add_(minv.sum(type: f64), Scalars.One);
                    }
                    if (exactArgMin || counts.sum().item<double>() <= n + 0.5) break;
                    exactArgMin = true;
                }
            }
            double inertiaValue = Math.Max(0, minSum.item<double>() + sumXX);
            history.Add(inertiaValue);
            var countsCpu = counts.cpu().data<double>().ToArray();
            var empties = Enumerable.Range(0, k).Where(j => countsCpu[j] == 0).ToArray();
            if (empties.Length > 0)
            {
                // Re-seed each empty cluster at one of the points farthest from their centres, taken out of its old
                // cluster (scikit-learn's relocation); the distances are recomputed for this rare case.
                var (labels, dist) = Assign(x, xx, centers, chunkRows, ct);
                var far = dist.topk(empties.Length).indexes;
                var farRows = x.index_select(0, far);
                var labelsCpu = labels.index_select(0, far).cpu().data<long>().ToArray();
                for (int e = 0; e < empties.Length; e++)
                {
                    var row = farRows[e].to(f64);
                    long old = labelsCpu[e];
                    sums[old].sub_(row); counts[old].sub_(1);
                    sums[empties[e]].copy_(row); counts[empties[e]].fill_(1);
                }
                reseeded += empties.Length;
            }
            var newCenters = (sums / counts.clamp_min(1).unsqueeze(1)).to(x.dtype);
            double shift = (newCenters - centers).to(f64).square().sum().item<double>();
            centers.copy_(newCenters);
            progress?.Report(new TrainingProgress(TrainingPhase.Training, restart, it, maxIterations, inertiaValue,
                countsCpu.Select(c => (int)Math.Round(c)).ToArray()));
            // Unchanged labels give bit-identical centres (shift 0): scikit-learn's "strict convergence".
            if (shift <= absoluteTolerance) { converged = true; break; }
        }
        if (reseeded > 0) warnings.Add($"k-means re-seeded {reseeded} empty cluster(s) at the farthest points (restart {restart}).");
        if (!converged) warnings.Add($"k-means restart {restart} did not converge in {maxIterations} iterations; raise MaxIterations or Tolerance.");
        // Final assignment so that labels and inertia belong to the returned centres (as Predict would give).
        var (finalLabels, finalDist) = Assign(x, xx, centers, chunkRows, ct);
        double finalInertia = finalDist.sum(type: f64).item<double>();
        var run = new KMeansRun
        {
            Centers = centers.DetachFromDisposeScope(),
            Labels = finalLabels.DetachFromDisposeScope(),
            Inertia = finalInertia,
            Iterations = iterations,
            Converged = converged,
            History = history,
            Warnings = warnings,
        };
        return run;
    }

    /// <summary>
    /// Full k-means with restarts on centred data (N x D, working dtype): returns the run with the lowest inertia.
    /// </summary>
    public static KMeansRun Fit(Tensor x, int k, KMeansInit init, int restarts, int maxIterations, double tolerance, int chunkRows,
        RandomSource rng, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        using var scope = NewDisposeScope();
        var xx = RowNorms(x);
        // scikit-learn's tolerance is relative to the mean feature variance.
        long n = x.shape[0];
        double meanSquare = HostReductions.Supports(x)
            ? HostReductions.ColumnSums(x, (int)x.shape[1]).Sum(v => (v / n) * (v / n))
            : (x.sum(dim: 0, type: ScalarType.Float64) / n).square().sum().item<double>();
        double meanVariance = (xx.sum(type: ScalarType.Float64).item<double>() / n - meanSquare) / x.shape[1];
        double tolAbs = tolerance * Math.Max(0, meanVariance);
        KMeansRun? best = null;
        int bestRestart = 0;
        for (int r = 0; r < restarts; r++)
        {
            ct.ThrowIfCancellationRequested();
            using var sub = rng.Derive(r);
            progress?.Report(new TrainingProgress(TrainingPhase.Initialization, r, 0, maxIterations, double.NaN, Message: "k-means seeding"));
            long[] seeds = init == KMeansInit.KMeansPlusPlus
                ? SeedPlusPlus(x, xx, k, sub.Random, chunkRows, ct)
                : SeedRandom(x.shape[0], k, sub, x.device);
            using var initial = x.index_select(0, tensor(seeds, device: x.device));
            var run = Lloyd(x, xx, initial, maxIterations, tolAbs, chunkRows, r, progress, ct);
            if (best is null || run.Inertia < best.Inertia) { best?.Dispose(); best = run; bestRestart = r; }
            else run.Dispose();
        }
        best!.BestRestart = bestRestart;
        return best;
    }
}
