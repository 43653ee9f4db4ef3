using Microsoft.Extensions.Logging;

namespace DeepFM.Serving;

/// <summary>Sends log entries as plain lines to a callback (the <see cref="ScoringServer.StartAsync(ServingOptions, Action{string}?, CancellationToken)"/>
/// overload that embedders and tests use to collect the log).</summary>
internal sealed class LineLoggerProvider(Action<string> write) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new LineLogger(write);

    public void Dispose() { }

    private sealed class LineLogger(Action<string> write) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            string line = $"serve: {formatter(state, exception)}";
            write(exception is null ? line : $"{line}: {exception}");
        }
    }
}
