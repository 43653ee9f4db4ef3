using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DeepFM.Serving;

/// <summary>Loads the configured model when the host starts: before it listens (a bad model fails the start), or
/// in the background with <see cref="ServingOptions.BackgroundLoad"/> (readiness waits for it).</summary>
internal sealed class ModelLoader(ModelHost models, ServingOptions options, ILogger<ModelLoader> log) : IHostedService
{
    private Task? _background;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.BackgroundLoad)
        {
            await models.LoadAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        _background = Task.Run(async () =>
        {
            try { await models.LoadAsync(CancellationToken.None).ConfigureAwait(false); }
            catch (UserInputException) { /* logged by the host; readiness reports it; a reload or the watch may still bring a model */ }
            catch (Exception e) { log.LogError(e, "background model load failed"); }
        }, CancellationToken.None);
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        _background is null ? Task.CompletedTask : _background.WaitAsync(cancellationToken);
}
