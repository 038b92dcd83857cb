namespace Sovereignty.KeyService.Keys;

/// <summary>
/// Who uses a key, on what and why: carried by every key operation so the audit log can
/// record it (see docs/audit-log.md). Never holds plaintext or key material.
/// </summary>
public sealed record KeyUse
{
    /// <summary>The authenticated subject, or the local OS user for CLI use.</summary>
    public string Actor { get; init; } = "unknown";

    /// <summary>Groups of the subject at the time of use.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>Client address (IP) when the use comes from a network request.</summary>
    public string? ClientAddress { get; init; }

    /// <summary>Client software (User-Agent, SMTP EHLO name, "sovereignty-cli").</summary>
    public string? ClientSoftware { get; init; }

    /// <summary>Document path or message id the key protects.</summary>
    public string? ObjectId { get; init; }

    /// <summary>Policy rule (or operator command) that caused the use.</summary>
    public string? Purpose { get; init; }

    /// <summary>Content hash of the policy in force.</summary>
    public string? PolicyVersion { get; init; }

    /// <summary>Correlates the events of one request or message.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>
    /// Mail recipients of the object (SMTP envelope), when there are any: copied to the key
    /// event, whose log stores only their count and a SHA-256 of each address.
    /// </summary>
    public IReadOnlyList<string>? Recipients { get; init; }

    /// <summary>Non-sensitive facts the caller adds to the key event (label, action): never content, addresses or key material.</summary>
    public IReadOnlyDictionary<string, string>? Detail { get; init; }

    /// <summary>A use from the local command line by the current OS user.</summary>
    public static KeyUse Cli(string purpose) => new()
    {
        Actor = Environment.UserName,
        ClientSoftware = "sovereignty-cli",
        Purpose = purpose,
        CorrelationId = Guid.NewGuid().ToString("N"),
    };
}
