namespace Sovereignty.KeyService.Audit;

/// <summary>What an auditor asks for. Every filter is optional; all given filters must match.</summary>
public sealed record AuditQuery
{
    public string? KeyClass { get; init; }

    /// <summary>Only with <see cref="KeyClass"/>.</summary>
    public int? KeyVersion { get; init; }

    public string? Actor { get; init; }

    public string? ObjectId { get; init; }

    public KeyOperation? Operation { get; init; }

    public KeyEventResult? Result { get; init; }

    /// <summary>Inclusive lower bound on the event time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Exclusive upper bound on the event time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Only this node's events.</summary>
    public string? Node { get; init; }

    /// <summary>At most this many events (1-10,000).</summary>
    public int Limit { get; init; } = 100;

    /// <summary>Oldest first instead of the default newest first.</summary>
    public bool OldestFirst { get; init; }

    /// <summary>True when <paramref name="record"/> passes every filter.</summary>
    public bool Matches(AuditRecord record) =>
        (KeyClass is null || record.KeyClass == KeyClass) &&
        (KeyVersion is null || record.KeyVersion == KeyVersion) &&
        (Actor is null || record.Actor == Actor) &&
        (ObjectId is null || record.ObjectId == ObjectId) &&
        (Operation is null || record.Operation == Operation) &&
        (Result is null || record.Result == Result) &&
        (Node is null || record.Node == Node) &&
        (Since is null || record.Timestamp >= Since) &&
        (Until is null || record.Timestamp < Until);
}
