namespace Sovereignty.KeyService.Audit;

/// <summary>
/// One key event as stored in the audit log: the <see cref="KeyEvent"/> plus what the log
/// adds (node, sequence number, time, hash chain). Never holds plaintext or key material;
/// recipients appear only as a count and hashes.
/// </summary>
public sealed record AuditRecord
{
    /// <summary>The node that recorded the event (its own hash chain).</summary>
    public required string Node { get; init; }

    /// <summary>Position in the node's chain, from 1, without gaps.</summary>
    public required long Sequence { get; init; }

    /// <summary>When the node recorded the event (its <see cref="TimeProvider"/>).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    public required string Actor { get; init; }

    public IReadOnlyList<string> Groups { get; init; } = [];

    public string? ClientAddress { get; init; }

    public string? ClientSoftware { get; init; }

    public required KeyOperation Operation { get; init; }

    public required string KeyClass { get; init; }

    /// <summary>The provider's key id of the version used, when known.</summary>
    public string? KeyId { get; init; }

    public int? KeyVersion { get; init; }

    /// <summary>Document path or message id.</summary>
    public string? ObjectId { get; init; }

    /// <summary>Number of mail recipients, when the object is a message.</summary>
    public int? RecipientCount { get; init; }

    /// <summary>SHA-256 (hex) of each recipient address, lower-cased and trimmed.</summary>
    public IReadOnlyList<string> RecipientHashes { get; init; } = [];

    /// <summary>Policy rule or operator command that caused the use.</summary>
    public string? Purpose { get; init; }

    public string? PolicyVersion { get; init; }

    public required KeyEventResult Result { get; init; }

    public string? ErrorCode { get; init; }

    public string? CorrelationId { get; init; }

    public IReadOnlyDictionary<string, string> Detail { get; init; } = new Dictionary<string, string>();

    /// <summary>SHA-256 (hex) of the previous event's canonical form; 64 zeros for the first event.</summary>
    public required string PreviousHash { get; init; }

    /// <summary>SHA-256 (hex) of this event's canonical form (see docs/audit-log.md).</summary>
    public required string Hash { get; init; }

    /// <summary>The Redis stream entry id (<c>milliseconds-sequence</c>); not part of the hash.</summary>
    public string StreamId { get; init; } = "";
}
