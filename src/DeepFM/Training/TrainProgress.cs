namespace DeepFM.Training;

/// <summary>Running figures for a progress line.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Step">Steps taken in this run.</param>
/// <param name="EpochFraction">Fraction of the current epoch done.</param>
/// <param name="RowsPerSecond">Training rows per second since the epoch started.</param>
/// <param name="Loss">Mean training loss since the epoch started.</param>
/// <param name="EpochEta">Estimated time left in this epoch.</param>
public readonly record struct TrainProgress(int Epoch, long Step, double EpochFraction, double RowsPerSecond, double Loss, TimeSpan EpochEta);
