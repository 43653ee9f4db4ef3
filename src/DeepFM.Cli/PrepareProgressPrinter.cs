using System.Diagnostics;
using System.Globalization;
using DeepFM.Preparation;

namespace DeepFM.Cli;

/// <summary>Shows a prepare's progress: a bar rewritten in place on a terminal, a plain line every 15 s otherwise
/// (logs), each with the amount done, the rate and the time left in the pass.</summary>
internal sealed class PrepareProgressPrinter(CliIO io) : IProgress<PrepareProgress>
{
    private readonly Stopwatch _pass = new();
    private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
    private string? _current;
    private bool _lineOpen;

    public void Report(PrepareProgress p)
    {
        if (p.Pass != _current)
        {
            Finish();
            _current = p.Pass;
            _pass.Restart();
        }
        bool interactive = io.Interactive;
        if (!interactive && _sinceLine.Elapsed.TotalSeconds < 15) return;
        if (interactive && _sinceLine.Elapsed.TotalMilliseconds < 200 && p.Done < p.Total) return;   // redraw at most 5×/s
        double fraction = p.Total > 0 ? Math.Clamp((double)p.Done / p.Total, 0, 1) : 0;
        double seconds = Math.Max(_pass.Elapsed.TotalSeconds, 1e-3);
        double rate = p.Done / seconds;
        var eta = TimeSpan.FromSeconds(rate > 0 ? (p.Total - p.Done) / rate : 0);
        string amount = p.InBytes
            ? string.Format(CultureInfo.InvariantCulture, "{0:F0} of {1:F0} MB, {2:F0} MB/s", p.Done / 1e6, p.Total / 1e6, rate / 1e6)
            : string.Format(CultureInfo.InvariantCulture, "{0:N0} of {1:N0} rows, {2:N0} rows/s", p.Done, p.Total, rate);
        string text = string.Format(CultureInfo.InvariantCulture, "{0,-8} {1,4:P0}  {2}  ETA {3:hh\\:mm\\:ss}", p.Pass, fraction, amount, eta);
        if (interactive)
        {
            int filled = (int)(fraction * 20);
            io.Err.Write("\r[" + new string('#', filled) + new string('.', 20 - filled) + "] " + text.PadRight(70));
            _lineOpen = true;
        }
        else
        {
            io.Err.WriteLine(text);
        }
        _sinceLine.Restart();
    }

    /// <summary>Ends the live line (before other output).</summary>
    public void Finish()
    {
        if (!_lineOpen) return;
        io.Err.WriteLine();
        _lineOpen = false;
    }
}
