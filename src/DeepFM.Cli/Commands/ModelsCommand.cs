using System.CommandLine;
using DeepFM.Models;

namespace DeepFM.Cli.Commands;

/// <summary><c>deepfm models</c>: the registered models.</summary>
internal static class ModelsCommand
{
    public static Command Create(CliIO io)
    {
        var command = new Command("models", "List the models that --model accepts.");
        command.SetAction(_ =>
        {
            foreach (var name in ModelRegistry.Names) io.Out.WriteLine($"{name,-10} {ModelRegistry.Describe(name)}");
            return 0;
        });
        return command;
    }
}
