namespace DeepFM.Models;

/// <summary>A model with a stage before end-to-end training (FNN pre-trains an FM to initialise its embeddings).
/// The model only builds the stage and takes initial weights from it; the trainer trains the stage, first, and counts
/// its time as training time (the paper's Figure 6).</summary>
public interface IPretrainedModel
{
    /// <summary>A fresh model for the pre-training stage, over this model's feature space.</summary>
    CtrModel CreatePretrainingModel();

    /// <summary>Initialises this model from the trained stage model (one <see cref="CreatePretrainingModel"/> made).</summary>
    void InitializeFrom(CtrModel pretrained);
}
