using System.Globalization;
using DeepFM.Experiments;
using ScottPlot;

namespace DeepFM.Charts;

/// <summary>PNG charts of experiment results (ScottPlot 5 on SkiaSharp): the renderer <c>deepfm compare</c> and
/// <c>deepfm study</c> pass to <see cref="ResultWriter.WriteAll"/>. Stateless; one instance serves any number of calls.</summary>
public sealed class ScottPlotChartRenderer : IChartRenderer
{
    /// <summary>Default image size in pixels.</summary>
    public const int Width = 800, Height = 500;

    /// <inheritdoc />
    public void Bars(string path, IReadOnlyList<string> labels, IReadOnlyList<double> values, string title, string yLabel,
        bool zoom, string valueFormat = "F4", double? referenceLine = null)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        for (int i = 0; i < labels.Count; i++)
        {
            double v = values[i];
            if (!double.IsFinite(v)) continue;
            bars.Add(new Bar
            {
                Position = i,
                Value = v,
                Label = v.ToString(valueFormat, CultureInfo.InvariantCulture),
                FillColor = Colors.Category10[i % Colors.Category10.Length],
            });
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 12;
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, labels.Count).Select(i => (double)i)], [.. labels]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0);
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;
        if (referenceLine is double r)
        {
            var line = plot.Add.HorizontalLine(r);
            line.LineColor = Colors.Gray;
            line.LinePattern = LinePattern.Dashed;
        }
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length > 0)
        {
            double lo = finite.Min(), hi = finite.Max();
            if (zoom)
            {
                double pad = Math.Max((hi - lo) * 0.25, Math.Max(Math.Abs(hi) * 0.002, 1e-4));
                plot.Axes.SetLimitsY(lo - pad, hi + pad);
            }
            else
            {
                plot.Axes.SetLimitsY(0, Math.Max(hi, referenceLine ?? 0) * 1.15 + 1e-9);
            }
        }
        plot.Axes.SetLimitsX(-0.6, labels.Count - 0.4);
        Save(plot, path);
    }

    /// <inheritdoc />
    public void Lines(string path, IReadOnlyList<string> xLabels, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series,
        string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        int index = 0;
        foreach (var (name, values) in series)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < xLabels.Count && i < values.Count; i++)
                if (double.IsFinite(values[i])) { xs.Add(i); ys.Add(values[i]); }
            if (xs.Count == 0) { index++; continue; }
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
            line.LegendText = name;
            line.Color = Colors.Category10[index % Colors.Category10.Length];
            line.LineWidth = 2;
            line.MarkerSize = 8;
            line.MarkerShape = (MarkerShape)(1 + index % 6);
            index++;
        }
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, xLabels.Count).Select(i => (double)i)], [.. xLabels]);
        plot.Axes.SetLimitsX(-0.3, Math.Max(xLabels.Count - 1, 0) + 0.3);
        var all = series.SelectMany(s => s.Values).Where(double.IsFinite).ToArray();
        if (all.Length > 0)
        {
            double lo = all.Min(), hi = all.Max();
            double pad = Math.Max((hi - lo) * 0.15, Math.Max(Math.Abs(hi) * 0.002, 1e-4));
            plot.Axes.SetLimitsY(lo - pad, hi + pad);
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.LowerRight);
        Save(plot, path);
    }

    private static void Save(Plot plot, string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        plot.SavePng(path, Width, Height);
    }
}
