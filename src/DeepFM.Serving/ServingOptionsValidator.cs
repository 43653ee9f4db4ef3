using Microsoft.Extensions.Options;

namespace DeepFM.Serving;

/// <summary>Runs <see cref="ServingOptions.Validate"/> for the options pattern, so a bad setting fails the host's start
/// (<c>ValidateOnStart</c>) with the same message the command line gives.</summary>
internal sealed class ServingOptionsValidator : IValidateOptions<ServingOptions>
{
    public ValidateOptionsResult Validate(string? name, ServingOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (UserInputException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
