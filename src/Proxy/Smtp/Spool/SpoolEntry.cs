namespace Sovereignty.Proxy.Smtp.Spool;

/// <summary>A queued message as read from the spool: its envelope and delivery state.</summary>
internal sealed record SpoolEntry(SpoolEnvelope Envelope, DeliveryState State)
{
    public string Id => Envelope.Id;
}
