using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Sovereignty.KeyService.Tests.Support;

/// <summary>Keeps every log entry, so tests can check which events (by id) were written.</summary>
public sealed class CollectingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(EventId EventId, LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((eventId, logLevel, formatter(state, exception)));
}
