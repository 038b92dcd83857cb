using System.Net;
using Microsoft.Extensions.Options;

namespace Sovereignty.Proxy.Smtp;

/// <summary>
/// Checks <see cref="SmtpRelayOptions"/> as a whole at start-up, so a bad deployment stops
/// the host with every problem named by its configuration key, instead of failing later
/// on the first connection or delivery.
/// </summary>
internal sealed class SmtpRelayOptionsValidator : IValidateOptions<SmtpRelayOptions>
{
    private const string Prefix = SmtpRelayOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, SmtpRelayOptions options)
    {
        var errors = new List<string>();

        if (string.IsNullOrWhiteSpace(options.ServerName) || options.ServerName.Any(c => c <= ' ' || c > '~'))
        {
            errors.Add($"{Prefix}ServerName must be a host name (printable ASCII, no spaces).");
        }

        if (!IPAddress.TryParse(options.ListenAddress, out _))
        {
            errors.Add($"{Prefix}ListenAddress '{options.ListenAddress}' is not an IP address.");
        }

        if (options.Port is < 0 or > 65535)
        {
            errors.Add($"{Prefix}Port must be between 0 and 65535.");
        }

        foreach (var network in options.AllowedClientNetworks)
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                errors.Add($"{Prefix}AllowedClientNetworks entry '{network}' is not a CIDR network (e.g. 10.0.0.0/8).");
            }
        }

        if (string.IsNullOrWhiteSpace(options.SpoolDirectory))
        {
            errors.Add($"{Prefix}SpoolDirectory is required: accepted mail is written there before it is acknowledged.");
        }

        if (options.MessageLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{Prefix}MessageLifetime must be positive.");
        }

        ValidateTls(options.Tls, errors);

        if (options.Auth.CredentialsFile is { } credentials)
        {
            if (!File.Exists(credentials))
            {
                errors.Add($"{Prefix}Auth:CredentialsFile '{credentials}' does not exist.");
            }

            if (string.IsNullOrWhiteSpace(options.Tls.CertificatePath))
            {
                errors.Add($"{Prefix}Auth:CredentialsFile needs {Prefix}Tls:CertificatePath: AUTH is offered over TLS only.");
            }
        }

        if (options.AllowedClientNetworks.Count == 0 && options.Auth.CredentialsFile is null)
        {
            errors.Add($"{Prefix}AllowedClientNetworks is empty and {Prefix}Auth:CredentialsFile is not set: nobody could relay.");
        }

        ValidateLimits(options.Limits, errors);
        ValidateUpstream(options.Upstream, errors);
        ValidateDelivery(options.Delivery, errors);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateTls(SmtpTlsOptions tls, List<string> errors)
    {
        if (tls.CertificatePath is null)
        {
            if (tls.KeyPath is not null)
            {
                errors.Add($"{Prefix}Tls:KeyPath is set without {Prefix}Tls:CertificatePath.");
            }

            return;
        }

        if (!File.Exists(tls.CertificatePath))
        {
            errors.Add($"{Prefix}Tls:CertificatePath '{tls.CertificatePath}' does not exist.");
        }

        if (tls.KeyPath is not null && !File.Exists(tls.KeyPath))
        {
            errors.Add($"{Prefix}Tls:KeyPath '{tls.KeyPath}' does not exist.");
        }

        if (tls.PasswordFile is not null && !File.Exists(tls.PasswordFile))
        {
            errors.Add($"{Prefix}Tls:PasswordFile '{tls.PasswordFile}' does not exist.");
        }
    }

    private static void ValidateLimits(SmtpLimitsOptions limits, List<string> errors)
    {
        if (limits.MaxMessageSize < 1024)
        {
            errors.Add($"{Prefix}Limits:MaxMessageSize must be at least 1024 bytes.");
        }

        if (limits.MaxMessageSize > int.MaxValue)
        {
            errors.Add($"{Prefix}Limits:MaxMessageSize must be below 2 GiB (messages are held in memory at end of DATA).");
        }

        if (limits.MaxRecipients < 1)
        {
            errors.Add($"{Prefix}Limits:MaxRecipients must be at least 1.");
        }

        if (limits.MaxLineLength < 512)
        {
            errors.Add($"{Prefix}Limits:MaxLineLength must be at least 512 (RFC 5321 §4.5.3.1.4).");
        }

        if (limits.MaxHeaderSize < 1024 || limits.MaxHeaderSize > limits.MaxMessageSize)
        {
            errors.Add($"{Prefix}Limits:MaxHeaderSize must be at least 1024 and at most Limits:MaxMessageSize.");
        }

        if (limits.MaxMimeDepth < 1)
        {
            errors.Add($"{Prefix}Limits:MaxMimeDepth must be at least 1.");
        }

        if (limits.MaxErrors < 1)
        {
            errors.Add($"{Prefix}Limits:MaxErrors must be at least 1.");
        }

        if (limits.IdleTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{Prefix}Limits:IdleTimeout must be positive.");
        }

        if (limits.MaxConnections < 1)
        {
            errors.Add($"{Prefix}Limits:MaxConnections must be at least 1.");
        }
    }

    private static void ValidateUpstream(SmtpUpstreamOptions upstream, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(upstream.Host))
        {
            errors.Add($"{Prefix}Upstream:Host is required: it is the smart host all mail is relayed to.");
        }
        else if (upstream.Security == UpstreamSecurity.None && !IsLoopback(upstream.Host))
        {
            errors.Add($"{Prefix}Upstream:Security None is allowed only for a loopback upstream; '{upstream.Host}' needs StartTls or SslOnConnect.");
        }

        if (upstream.Port is < 1 or > 65535)
        {
            errors.Add($"{Prefix}Upstream:Port must be between 1 and 65535.");
        }

        if (upstream.Timeout <= TimeSpan.Zero)
        {
            errors.Add($"{Prefix}Upstream:Timeout must be positive.");
        }
    }

    private static void ValidateDelivery(SmtpDeliveryOptions delivery, List<string> errors)
    {
        if (delivery.Workers is < 1 or > 256)
        {
            errors.Add($"{Prefix}Delivery:Workers must be between 1 and 256.");
        }

        if (delivery.InitialRetryDelay <= TimeSpan.Zero || delivery.MaxRetryDelay < delivery.InitialRetryDelay)
        {
            errors.Add($"{Prefix}Delivery:InitialRetryDelay must be positive and not above Delivery:MaxRetryDelay.");
        }

        if (delivery.ScanInterval <= TimeSpan.Zero)
        {
            errors.Add($"{Prefix}Delivery:ScanInterval must be positive.");
        }
    }

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}
