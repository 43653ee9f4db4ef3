using System.Text.Json;

namespace DeepFM.Cli.Commands;

/// <summary>How a <c>deepfm train</c> run was started — its arguments and working folder — kept in each checkpoint
/// (<see cref="Serialization.CheckpointData.Run"/>) so that <c>--resume</c> reopens the same data with the same
/// settings.</summary>
internal sealed record TrainRunRecord(string WorkingDirectory, string[] Args)
{
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Reads a record written by <see cref="ToJson"/>; null for a checkpoint not written by the tool.</summary>
    public static TrainRunRecord? FromJson(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            var r = JsonSerializer.Deserialize<TrainRunRecord>(json);
            return r is { WorkingDirectory: not null, Args: not null } ? r : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
