using System.Diagnostics;
using DeepClustering.Core;
using Spectre.Console;

namespace DeepClustering.Cli;

/// <summary>
/// Shows training progress on stderr (stdout stays clean for results): phase, iteration, objective and cluster
/// sizes, throttled to a few updates a second. Synchronous, unlike <see cref="Progress{T}"/>, so lines never
/// arrive after the result.
/// </summary>
internal sealed class ProgressReporter : IProgress<TrainingProgress>, IDisposable
{
    private readonly IAnsiConsole _console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
    private readonly Stopwatch _since = Stopwatch.StartNew();
    private readonly string _model;
    private TrainingProgress? _last;
    private TimeSpan _lastShown = TimeSpan.FromSeconds(-10);

    public ProgressReporter(string model) => _model = model;

    public void Report(TrainingProgress value)
    {
        bool phaseChanged = _last is null || _last.Phase != value.Phase;
        _last = value;
        if (!phaseChanged && value.Message is null && _since.Elapsed - _lastShown < TimeSpan.FromSeconds(1)) return;
        _lastShown = _since.Elapsed;
        Show(value);
    }

    public void Complete() { if (_last is { } l) Show(l); }

    private void Show(TrainingProgress p)
    {
        var sizes = p.ClusterSizes is { Count: > 0 } s ? $" sizes [{string.Join(" ", s)}]" : "";
        var k = p.EffectiveClusters is { } e ? $" K={e}" : "";
        var terms = p.Terms is { Count: > 0 } t ? " " + string.Join(" ", t.Select(kv => $"{kv.Key}={kv.Value:G4}")) : "";
        _console.MarkupLineInterpolated($"[grey]{_since.Elapsed:mm\\:ss}[/] [blue]{_model}[/] {p.Phase} {p.Iteration}/{p.TotalIterations} objective={p.Objective:G6}{k}{terms}{sizes}");
        if (p.Message is { } m) _console.MarkupLineInterpolated($"[yellow]{m}[/]");
    }

    public void Dispose() { }
}
