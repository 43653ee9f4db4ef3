using System.CommandLine;
using System.Globalization;
using DeepFM.Training;

namespace DeepFM.Cli.Commands;

/// <summary><c>deepfm train</c>'s checkpoint options: where, how often, how many are kept, and resuming.</summary>
internal sealed class CheckpointOptionSet
{
    /// <summary>Time between checkpoints when <c>--checkpoint-dir</c> is given without <c>--checkpoint-every</c>.</summary>
    public static readonly TimeSpan DefaultEvery = TimeSpan.FromMinutes(10);

    public Option<string?> Directory { get; } = new("--checkpoint-dir") { Description = "Write training checkpoints to this folder (atomically; at each epoch end and every --checkpoint-every), so that 'deepfm train --resume DIR' can continue the run exactly." };
    public Option<string?> Every { get; } = new("--checkpoint-every") { Description = "Checkpoint every N steps (e.g. 500) or every period of time (e.g. 30s, 10m, 1h); epoch ends always checkpoint. Default 10m." };
    public Option<int> Keep { get; } = new("--keep-checkpoints") { Description = "Checkpoints kept (older ones are deleted).", DefaultValueFactory = _ => Serialization.CheckpointWriter.DefaultKeep };
    public Option<string?> Resume { get; } = new("--resume") { Description = "Continue the run whose checkpoints are in this folder from the newest valid one (same data, model and settings as it was started with; --threads, --quiet and --out may be given)." };

    public void AddTo(Command command)
    {
        command.Options.Add(Directory);
        command.Options.Add(Every);
        command.Options.Add(Keep);
        command.Options.Add(Resume);
    }

    /// <summary>The schedule for <paramref name="every"/> (null: the default).</summary>
    public static CheckpointSchedule ParseSchedule(string? every)
    {
        if (every is null) return new CheckpointSchedule { Every = DefaultEvery };
        string text = every.Trim().ToLowerInvariant();
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long steps) && steps > 0)
            return new CheckpointSchedule { EverySteps = steps };
        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount) && amount > 0)
        {
            TimeSpan? period = text[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => null,
            };
            if (period is { } p) return new CheckpointSchedule { Every = p };
        }
        throw new UserInputException($"--checkpoint-every must be a positive step count (e.g. 500) or a time (e.g. 30s, 10m, 1h), not '{every}'.");
    }
}
