namespace Sovereignty.Proxy.Smtp.Spool;

/// <summary>
/// The mutable part of a queued message: attempts, next attempt and each recipient's
/// status. Absent on disk until the first attempt fails; replaced atomically.
/// </summary>
internal sealed record DeliveryState
{
    public int Attempts { get; init; }

    public DateTimeOffset NextAttemptAt { get; init; }

    /// <summary>Last error, for operators: an SMTP reply or a connection error, never message content.</summary>
    public string? LastError { get; init; }

    public required IReadOnlyList<RecipientState> Recipients { get; init; }

    public static DeliveryState Initial(SpoolEnvelope envelope) => new()
    {
        NextAttemptAt = envelope.CreatedAt,
        Recipients = envelope.Recipients.Select(r => new RecipientState(r, RecipientStatus.Pending, null)).ToList(),
    };
}

/// <summary>One recipient's delivery status.</summary>
/// <param name="Address">Forward path.</param>
/// <param name="Status">Pending (retry), Delivered or Failed (bounced).</param>
/// <param name="LastReply">Last upstream reply for this recipient, e.g. <c>450 4.2.0 mailbox busy</c>.</param>
internal sealed record RecipientState(string Address, RecipientStatus Status, string? LastReply);

internal enum RecipientStatus
{
    Pending,
    Delivered,
    Failed,
}
