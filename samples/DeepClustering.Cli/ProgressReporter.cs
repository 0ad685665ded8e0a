using System.Diagnostics;
using DeepClustering.Core;
using Spectre.Console;

namespace DeepClustering.Cli;

/// <summary>
/// Records every progress report (for the training-curve plot) and, unless quiet, shows progress on stderr (stdout
/// stays clean for results): phase, iteration, objective and cluster sizes, throttled to about one line a second.
/// Synchronous, unlike <see cref="Progress{T}"/>, so lines never arrive after the result.
/// </summary>
internal sealed class ProgressReporter : IProgress<TrainingProgress>, IDisposable
{
    private readonly IAnsiConsole _console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
    private readonly Stopwatch _since = Stopwatch.StartNew();
    private readonly string _model;
    private TrainingProgress? _last;
    private readonly bool _show;
    private readonly List<(string Phase, int Restart, double Objective)> _curve = [];
    private TimeSpan _lastShown = TimeSpan.FromSeconds(-10);

    public ProgressReporter(string model, bool show) => (_model, _show) = (model, show);

    /// <summary>
    /// Objective per reported iteration, by phase (reports without a finite objective are skipped). When a deep model
    /// ran restarts, each attempt's reports form their own series, "Training (restart r)", so that the warm-ups of the
    /// attempts are not drawn as one curve.
    /// </summary>
    public IReadOnlyList<(string Phase, double Objective)> Curve
    {
        get
        {
            bool restarts = _curve.Any(c => c.Restart > 0);
            return _curve.Select(c => (restarts ? $"{c.Phase} (restart {c.Restart})" : c.Phase, c.Objective)).ToList();
        }
    }

    public void Report(TrainingProgress value)
    {
        if (value.Phase is TrainingPhase.Pretraining or TrainingPhase.Training && double.IsFinite(value.Objective))
            _curve.Add((value.Phase.ToString(), value.Restart, value.Objective));
        if (!_show) return;
        bool phaseChanged = _last is null || _last.Phase != value.Phase || _last.Restart != value.Restart;
        _last = value;
        if (!phaseChanged && value.Message is null && _since.Elapsed - _lastShown < TimeSpan.FromSeconds(1)) return;
        _lastShown = _since.Elapsed;
        Show(value);
    }

    public void Complete() { if (_show && _last is { } l) Show(l); }

    private void Show(TrainingProgress p)
    {
        var sizes = p.ClusterSizes is { Count: > 0 } s ? $" sizes [{string.Join(" ", s)}]" : "";
        var k = p.EffectiveClusters is { } e ? $" K={e}" : "";
        var terms = p.Terms is { Count: > 0 } t ? " " + string.Join(" ", t.Select(kv => $"{kv.Key}={kv.Value:G4}")) : "";
        var restart = p.Restart > 0 ? $" (restart {p.Restart})" : "";
        _console.MarkupLineInterpolated($"[grey]{_since.Elapsed:mm\\:ss}[/] [blue]{_model}[/] {p.Phase}{restart} {p.Iteration}/{p.TotalIterations} objective={p.Objective:G6}{k}{terms}{sizes}");
        if (p.Message is { } m) _console.MarkupLineInterpolated($"[yellow]{m}[/]");
    }

    public void Dispose() { }
}
