using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Sovereignty.Proxy.Tests.Smtp.Testing;

/// <summary>Keeps every formatted log line (with its exception), so tests can check what is and is not logged.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(EventId Id, string Text)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    public string AllText => string.Join("\n", Entries.Select(e => e.Text));

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((eventId, formatter(state, exception) + (exception is null ? "" : " " + exception)));
    }
}
