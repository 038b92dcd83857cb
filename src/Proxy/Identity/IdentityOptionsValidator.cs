using Microsoft.Extensions.Options;

namespace Sovereignty.Proxy.Identity;

/// <summary>Checks <see cref="IdentityOptions"/> at start-up and names every mistake at once.</summary>
internal sealed class IdentityOptionsValidator : IValidateOptions<IdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, IdentityOptions options)
    {
        var errors = new List<string>();
        string section = IdentityOptions.SectionName;
        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            errors.Add($"{section}:Issuer is required (the 'iss' of your identity provider's tokens).");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            errors.Add($"{section}:Audience is required (the 'aud' your identity provider puts in tokens for this gateway).");
        }

        int sources = (options.SigningKeys.Count > 0 ? 1 : 0) + (options.SigningKeyFiles.Count > 0 ? 1 : 0)
            + (options.JwksUrl is null ? 0 : 1) + (options.Authority is null ? 0 : 1);
        if (sources != 1)
        {
            errors.Add($"{section}: set exactly one of SigningKeys, SigningKeyFiles, JwksUrl or Authority (found {sources}).");
        }

        foreach (string file in options.SigningKeyFiles)
        {
            if (!File.Exists(file))
            {
                errors.Add($"{section}:SigningKeyFiles: '{file}' does not exist.");
            }
        }

        for (int i = 0; i < options.SigningKeys.Count; i++)
        {
            if (!SigningKeyLoader.TryLoad(options.SigningKeys[i], out _, out string? error))
            {
                errors.Add($"{section}:SigningKeys:{i}: {error}");
            }
        }

        foreach (Uri? uri in new[] { options.JwksUrl, options.Authority })
        {
            if (uri is not null && options.RequireHttpsMetadata && uri.Scheme != Uri.UriSchemeHttps)
            {
                errors.Add($"{section}: '{uri}' is not HTTPS; use HTTPS or set RequireHttpsMetadata=false (tests only).");
            }
        }

        if (string.IsNullOrWhiteSpace(options.SubjectClaim) || string.IsNullOrWhiteSpace(options.GroupsClaim))
        {
            errors.Add($"{section}: SubjectClaim and GroupsClaim must not be empty.");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{section}:ClockSkew must be between 0 and 10 minutes.");
        }

        if (options.ValidatedTokenCacheDuration < TimeSpan.Zero || options.ValidatedTokenCacheDuration > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{section}:ValidatedTokenCacheDuration must be between 0 (no cache) and 10 minutes.");
        }

        if (options.ValidatedTokenCacheSize is < 1 or > 1_000_000)
        {
            errors.Add($"{section}:ValidatedTokenCacheSize must be between 1 and 1,000,000.");
        }

        foreach (var (thumbprint, subject) in options.ClientCertificates.Subjects)
        {
            if (thumbprint.Length != 64 || !thumbprint.All(Uri.IsHexDigit))
            {
                errors.Add($"{section}:ClientCertificates:Subjects: '{thumbprint}' is not a SHA-256 thumbprint (64 hex digits).");
            }

            if (string.IsNullOrWhiteSpace(subject.Subject))
            {
                errors.Add($"{section}:ClientCertificates:Subjects:{thumbprint}:Subject is required.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
