namespace DeepFM.Training;

/// <summary>The loss became NaN: the settings (learning rate, input scale) make this model diverge. An experiment
/// records it for the model and goes on with the next.</summary>
public sealed class TrainingDivergedException(string message) : UserInputException(message);
