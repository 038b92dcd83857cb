namespace Sovereignty.Proxy.Smtp.Spool;

/// <summary>
/// What the spool keeps about a message besides its bytes; written once, as the first
/// line of the message file, and never changed.
/// </summary>
internal sealed record SpoolEnvelope
{
    public required string Id { get; init; }

    /// <summary>Reverse path; empty for the null sender (DSNs).</summary>
    public required string Sender { get; init; }

    public required IReadOnlyList<string> Recipients { get; init; }

    /// <summary>The message's Message-ID header, when it has one (for operators correlating with clients).</summary>
    public string? MessageId { get; init; }

    /// <summary>Client address:port, or <c>local</c> for DSNs made by the relay.</summary>
    public required string Client { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>After this the message is bounced instead of retried.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    public required long Size { get; init; }

    /// <summary>True for a DSN made by the relay: it is never bounced itself.</summary>
    public bool IsBounce { get; init; }
}
