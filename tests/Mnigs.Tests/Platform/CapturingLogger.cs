using Microsoft.Extensions.Logging;

namespace Mnigs.Tests.Platform;

/// <summary>Keeps every formatted log line, to prove what never gets logged.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    public List<string> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Lines)
            Lines.Add(formatter(state, exception) + (exception is null ? "" : " " + exception.Message));
    }
}
