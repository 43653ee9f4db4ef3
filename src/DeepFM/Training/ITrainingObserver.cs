namespace DeepFM.Training;

/// <summary>Receives the trainer's progress: a live line, one entry per validation, and the end.</summary>
public interface ITrainingObserver
{
    /// <summary>Called every few steps with running figures.</summary>
    void OnProgress(in TrainProgress progress);

    /// <summary>Called after each validation.</summary>
    void OnEvaluation(EvaluationRecord record);
}
