using System.Diagnostics;
using System.Globalization;
using DeepFM.Training;

namespace DeepFM.Cli;

/// <summary>Prints a live progress line (rows/s, loss, ETA) and one line per validation.</summary>
internal sealed class ConsoleProgress(CliIO io, string label, bool quiet = false) : ITrainingObserver
{
    private readonly Stopwatch _sinceLastLine = Stopwatch.StartNew();
    private bool _lineOpen;

    public void OnProgress(in TrainProgress p)
    {
        if (quiet) return;
        string text = string.Format(CultureInfo.InvariantCulture, "{0} epoch {1} {2,4:P0}  {3,9:N0} rows/s  loss {4:F5}  ETA {5:mm\\:ss}",
            label, p.Epoch, p.EpochFraction, p.RowsPerSecond, p.Loss, p.EpochEta);
        if (io.Interactive)
        {
            io.Err.Write("\r" + text.PadRight(78));
            _lineOpen = true;
        }
        else if (_sinceLastLine.Elapsed.TotalSeconds >= 15)
        {
            io.Err.WriteLine(text);
            _sinceLastLine.Restart();
        }
    }

    public void OnEvaluation(EvaluationRecord r)
    {
        if (_lineOpen)
        {
            io.Err.Write("\r" + new string(' ', 78) + "\r");
            _lineOpen = false;
        }
        if (quiet) return;
        io.Err.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "{0} epoch {1,3}  step {2,7}  train loss {3:F5}  valid AUC {4:F5}  logloss {5:F5}  NE {9:F4}  calib {10:F3}  lr {6:G3}{7}  [{8:hh\\:mm\\:ss}]",
            label, r.Epoch, r.Step, r.TrainLoss, r.ValidAuc, r.ValidLogloss, r.LearningRate, r.Improved ? "  *" : "", r.Elapsed,
            r.ValidNormalizedEntropy, r.ValidCalibration));
        _sinceLastLine.Restart();
    }
}
