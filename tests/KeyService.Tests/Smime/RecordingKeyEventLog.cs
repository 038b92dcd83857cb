using System.Collections.Concurrent;
using Sovereignty.KeyService.Audit;

namespace Sovereignty.KeyService.Tests.Smime;

/// <summary>Collects key events in memory; can be told to fail like an unreachable Redis.</summary>
public sealed class RecordingKeyEventLog : IKeyEventLog
{
    public ConcurrentQueue<KeyEvent> Events { get; } = new();

    public bool Failing { get; set; }

    public ValueTask RecordAsync(KeyEvent keyEvent, CancellationToken cancellationToken)
    {
        if (Failing)
        {
            throw new KeyServiceException(KeyErrorKind.Unavailable, "audit log unreachable (test)");
        }

        Events.Enqueue(keyEvent);
        return ValueTask.CompletedTask;
    }
}
