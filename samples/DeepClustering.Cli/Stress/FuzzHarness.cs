using System.Diagnostics;

namespace DeepClustering.Cli.Stress;

/// <summary>
/// Runs fuzz inputs one at a time, each on a worker with a time limit, and sorts the outcomes: accepted (the
/// input loaded), rejected with one of the allowed exception types, or a failure (any other exception, or a hang).
/// </summary>
internal sealed class FuzzHarness(TimeSpan limit)
{
    /// <summary>Outcome counts of one format.</summary>
    internal sealed class Counts
    {
        public int Inputs;
        public int Accepted;
        public int Rejected;
        public int Failed;
    }

    private readonly Dictionary<string, Counts> _counts = new(StringComparer.Ordinal);

    /// <summary>Counts per format, in first-seen order.</summary>
    public IReadOnlyDictionary<string, Counts> PerFormat => _counts;

    /// <summary>Failure descriptions (input name, exception type and message, or "hang").</summary>
    public List<string> Failures { get; } = new();

    /// <summary>Slowest input in milliseconds.</summary>
    public double MaxMilliseconds { get; private set; }

    /// <summary>Name of the slowest input.</summary>
    public string SlowestInput { get; private set; } = "";

    /// <summary>Largest managed allocation of one input, in bytes.</summary>
    public long MaxAllocatedBytes { get; private set; }

    /// <summary>Name of the input that allocated most.</summary>
    public string LargestAllocationInput { get; private set; } = "";

    /// <summary>Inputs run so far.</summary>
    public int Total { get; private set; }

    /// <summary>
    /// Runs one input. <paramref name="action"/> returns normally when the input was accepted; an exception whose
    /// type is one of <paramref name="allowed"/> (or derives from it) counts as a clean rejection.
    /// </summary>
    public void Run(string format, string name, Action action, params Type[] allowed)
    {
        if (!_counts.TryGetValue(format, out var c)) _counts[format] = c = new Counts();
        c.Inputs++;
        Total++;
        long allocated = 0;
        var sw = Stopwatch.StartNew();
        var task = Task.Factory.StartNew(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try { action(); }
            finally { allocated = GC.GetAllocatedBytesForCurrentThread() - before; }
        }, CancellationToken.None, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
        bool finished;
        try { finished = task.Wait(limit); }
        catch (AggregateException) { finished = true; }
        sw.Stop();
        if (!finished)
        {
            c.Failed++;
            Failures.Add($"{format} {name}: no answer within {limit.TotalSeconds:0.#} s (hang)");
            return;
        }
        if (sw.Elapsed.TotalMilliseconds > MaxMilliseconds) { MaxMilliseconds = sw.Elapsed.TotalMilliseconds; SlowestInput = $"{format} {name}"; }
        if (allocated > MaxAllocatedBytes) { MaxAllocatedBytes = allocated; LargestAllocationInput = $"{format} {name}"; }
        if (task.Exception is null) { c.Accepted++; return; }
        var e = task.Exception.InnerException!;
        if (allowed.Any(t => t.IsInstanceOfType(e))) { c.Rejected++; return; }
        c.Failed++;
        var frame = e.StackTrace?.Split('\n').FirstOrDefault()?.Trim() ?? "";
        Failures.Add($"{format} {name}: {e.GetType().Name}: {e.Message} {frame}");
    }
}
