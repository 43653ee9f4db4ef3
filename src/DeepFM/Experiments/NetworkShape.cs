namespace DeepFM.Experiments;

/// <summary>Shapes of a deep component with a fixed number of layers and total neurons (Section 3.3, Figure 11).</summary>
public enum NetworkShape
{
    /// <summary>Equal widths: 200-200-200.</summary>
    Constant,

    /// <summary>Widths growing in proportion 1:2:…:L: 100-200-300.</summary>
    Increasing,

    /// <summary>Widths shrinking in proportion L:…:2:1: 300-200-100.</summary>
    Decreasing,

    /// <summary>Widths rising to the middle and falling again (1:2:…:2:1): 150-300-150.</summary>
    Diamond,
}
