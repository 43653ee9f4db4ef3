namespace DeepFM.Experiments;

/// <summary>
/// Draws the PNG charts of an experiment from plain data. The core library draws nothing itself (it has no native
/// dependency); the <c>deepfm</c> tool passes the ScottPlot renderer of <c>DeepFM.Charts</c> to
/// <see cref="ResultWriter.WriteAll"/>. Each method writes one image to <c>path</c>, creating its folder if needed.
/// </summary>
public interface IChartRenderer
{
    /// <summary>
    /// One bar per label. With <paramref name="zoom"/> the y-axis spans just the data range (AUC differences are in the
    /// third decimal); otherwise it starts at zero. Each bar carries its value, formatted with <paramref name="valueFormat"/>;
    /// a non-finite value draws no bar. <paramref name="referenceLine"/> draws a dashed horizontal line at that value.
    /// </summary>
    void Bars(string path, IReadOnlyList<string> labels, IReadOnlyList<double> values, string title, string yLabel,
        bool zoom, string valueFormat = "F4", double? referenceLine = null);

    /// <summary>One line (with markers) per series over categorical x values, with a legend (Figures 7–11); a
    /// non-finite value leaves a gap in its series.</summary>
    void Lines(string path, IReadOnlyList<string> xLabels, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series,
        string title, string xLabel, string yLabel);
}
