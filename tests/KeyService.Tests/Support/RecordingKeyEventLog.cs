using System.Collections.Concurrent;
using Sovereignty.KeyService.Audit;

namespace Sovereignty.KeyService.Tests.Support;

/// <summary>
/// A test double for the audit log: keeps events in memory, or throws when <see cref="Fail"/>
/// is set, so tests can check "exactly one event per key operation" and "no record, no key use".
/// </summary>
public sealed class RecordingKeyEventLog : IKeyEventLog
{
    public ConcurrentQueue<KeyEvent> Events { get; } = new();

    /// <summary>When true, <see cref="RecordAsync"/> throws like an unreachable audit store.</summary>
    public bool Fail { get; set; }

    /// <summary>
    /// When set, <see cref="RecordAsync"/> waits for it before recording, like a slow audit
    /// store; failing it fails the records waiting on it.
    /// </summary>
    public TaskCompletionSource? Hold { get; set; }

    public ValueTask RecordAsync(KeyEvent keyEvent, CancellationToken cancellationToken)
    {
        if (Fail)
        {
            throw new KeyServiceException(KeyErrorKind.Unavailable, "audit store unreachable (test)");
        }

        if (Hold is { } hold)
        {
            return RecordAfterAsync(hold.Task, keyEvent);
        }

        Events.Enqueue(keyEvent);
        return ValueTask.CompletedTask;
    }

    private async ValueTask RecordAfterAsync(Task hold, KeyEvent keyEvent)
    {
        await hold;
        Events.Enqueue(keyEvent);
    }

    /// <summary>Returns the events recorded so far and forgets them.</summary>
    public IReadOnlyList<KeyEvent> Drain()
    {
        var events = new List<KeyEvent>();
        while (Events.TryDequeue(out var keyEvent))
        {
            events.Add(keyEvent);
        }

        return events;
    }
}
