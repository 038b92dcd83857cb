namespace Sovereignty.Proxy.Smtp;

/// <summary>
/// Deployment settings of the SMTP relay, bound from <c>Sovereignty:Smtp</c> and
/// validated at start-up by <see cref="SmtpRelayOptionsValidator"/>.
/// </summary>
/// <remarks>
/// Defaults: listen on 127.0.0.1:2525, no client network allowed to relay (so nothing
/// relays until an operator says who may), limits as in <see cref="SmtpLimitsOptions"/>,
/// message lifetime 5 days (Postfix's <c>maximal_queue_lifetime</c>).
/// </remarks>
public sealed class SmtpRelayOptions
{
    /// <summary>The configuration section the relay is bound from.</summary>
    public const string SectionName = "Sovereignty:Smtp";

    /// <summary>Name announced in the greeting, EHLO reply and DSNs. Default: the machine name.</summary>
    public string ServerName { get; set; } = Environment.MachineName;

    /// <summary>IP address to listen on. Default <c>127.0.0.1</c>.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>TCP port to listen on; 0 picks a free port (tests). Default 2525.</summary>
    public int Port { get; set; } = 2525;

    /// <summary>
    /// Client networks (CIDR, e.g. <c>10.0.0.0/8</c>, <c>2001:db8::/32</c>) allowed to relay
    /// without authenticating. Empty by default: only authenticated submitters relay.
    /// </summary>
    public List<string> AllowedClientNetworks { get; set; } = [];

    /// <summary>Directory of the durable spool. Required.</summary>
    public string SpoolDirectory { get; set; } = "";

    /// <summary>How long a message may stay queued before it is bounced. Default 5 days.</summary>
    public TimeSpan MessageLifetime { get; set; } = TimeSpan.FromDays(5);

    public SmtpTlsOptions Tls { get; set; } = new();

    public SmtpAuthOptions Auth { get; set; } = new();

    public SmtpLimitsOptions Limits { get; set; } = new();

    public SmtpUpstreamOptions Upstream { get; set; } = new();

    public SmtpDeliveryOptions Delivery { get; set; } = new();
}

/// <summary>The listener's certificate for STARTTLS: a PFX file, or a PEM certificate and key.</summary>
public sealed class SmtpTlsOptions
{
    /// <summary>Path of a PFX (PKCS#12) or PEM certificate. Without it STARTTLS and AUTH are not offered.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Path of the PEM private key, when <see cref="CertificatePath"/> is a PEM certificate.</summary>
    public string? KeyPath { get; set; }

    /// <summary>File holding the PFX password (first line), so the password is not in configuration.</summary>
    public string? PasswordFile { get; set; }
}

/// <summary>Authenticated submission (AUTH PLAIN / LOGIN, offered over TLS only).</summary>
public sealed class SmtpAuthOptions
{
    /// <summary>
    /// File of <c>user:pbkdf2-sha256:iterations:salt-base64:hash-base64</c> lines.
    /// Without it AUTH is not offered.
    /// </summary>
    public string? CredentialsFile { get; set; }
}

/// <summary>Per-connection and per-message limits.</summary>
public sealed class SmtpLimitsOptions
{
    /// <summary>Largest message accepted, in bytes (announced with SIZE). Default 25 MiB.</summary>
    public long MaxMessageSize { get; set; } = 25L * 1024 * 1024;

    /// <summary>Recipients per message; the next one gets <c>452 4.5.3</c>. Default 100 (RFC 5321 §4.5.3.1.8).</summary>
    public int MaxRecipients { get; set; } = 100;

    /// <summary>Longest command or message line, including CRLF. Default 1000 (RFC 5321 §4.5.3.1.6).</summary>
    public int MaxLineLength { get; set; } = 1000;

    /// <summary>Largest header section of a message, in bytes. Default 256 KiB.</summary>
    public int MaxHeaderSize { get; set; } = 256 * 1024;

    /// <summary>Deepest MIME nesting accepted. Default 32.</summary>
    public int MaxMimeDepth { get; set; } = 32;

    /// <summary>Protocol errors tolerated before the connection is closed with 421. Default 10.</summary>
    public int MaxErrors { get; set; } = 10;

    /// <summary>Time without a complete command before the connection is closed. Default 5 minutes (RFC 5321 §4.5.3.2.7).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Concurrent client connections; more get <c>421 4.3.2</c>. Default 1000.</summary>
    public int MaxConnections { get; set; } = 1000;
}

/// <summary>How the upstream connection is secured.</summary>
public enum UpstreamSecurity
{
    /// <summary>Plain SMTP upgraded with STARTTLS; the upgrade is required.</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465 style).</summary>
    SslOnConnect,

    /// <summary>No TLS. Accepted only for a loopback upstream (tests, a local MTA).</summary>
    None,
}

/// <summary>The smart host all mail is relayed to.</summary>
public sealed class SmtpUpstreamOptions
{
    /// <summary>Host name or address of the smart host. Required.</summary>
    public string Host { get; set; } = "";

    /// <summary>Port of the smart host. Default 25.</summary>
    public int Port { get; set; } = 25;

    /// <summary>TLS requirement. Default <see cref="UpstreamSecurity.StartTls"/>.</summary>
    public UpstreamSecurity Security { get; set; } = UpstreamSecurity.StartTls;

    /// <summary>Timeout of each upstream command. Default 2 minutes.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>The delivery worker.</summary>
public sealed class SmtpDeliveryOptions
{
    /// <summary>Parallel upstream connections. Default 4.</summary>
    public int Workers { get; set; } = 4;

    /// <summary>Delay before the first retry; doubles on each attempt (±20 % jitter). Default 1 minute.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Upper bound of the retry delay. Default 1 hour.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the spool is scanned for messages due for a retry. Default 5 seconds.</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(5);
}
