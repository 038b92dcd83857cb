using Microsoft.Extensions.Options;

namespace Sovereignty.KeyService.Smime;

/// <summary>Checks <see cref="SmimeOptions"/> at start-up: every configured file must exist.</summary>
internal sealed class SmimeOptionsValidator : IValidateOptions<SmimeOptions>
{
    public ValidateOptionsResult Validate(string? name, SmimeOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.EscrowCertificatePath))
        {
            errors.Add("Sovereignty:Smime:EscrowCertificatePath is required: every encrypted message also goes to the escrow certificate.");
        }

        RequireFile(errors, "EscrowCertificatePath", options.EscrowCertificatePath);
        RequireFile(errors, "SigningCertificatePath", options.SigningCertificatePath);
        foreach (var retired in options.RetiredEscrowCertificates ?? [])
        {
            if (string.IsNullOrWhiteSpace(retired.CertificatePath))
            {
                errors.Add("Sovereignty:Smime:RetiredEscrowCertificates: every entry needs a CertificatePath.");
            }

            RequireFile(errors, "RetiredEscrowCertificates", retired.CertificatePath);
        }

        if (string.IsNullOrWhiteSpace(options.Certificates.Directory) || !Directory.Exists(options.Certificates.Directory))
        {
            errors.Add($"Sovereignty:Smime:Certificates:Directory '{options.Certificates.Directory}' is not an existing directory.");
        }

        if (options.Certificates.ValidationCacheDuration < TimeSpan.Zero || options.Certificates.ValidationCacheDuration > TimeSpan.FromHours(1))
        {
            errors.Add($"Sovereignty:Smime:Certificates:ValidationCacheDuration must be between 00:00:00 and 01:00:00, not {options.Certificates.ValidationCacheDuration}.");
        }

        if ((options.Certificates.TrustAnchorFiles?.Length ?? 0) == 0 && !options.Certificates.UseSystemTrustStore)
        {
            errors.Add("Sovereignty:Smime:Certificates:TrustAnchorFiles is empty: no recipient certificate could ever be trusted.");
        }

        foreach (var file in (options.Certificates.TrustAnchorFiles ?? []).Concat(options.Certificates.IntermediateFiles ?? []))
        {
            RequireFile(errors, "Certificates", file);
        }

        foreach (var crl in options.Certificates.CrlFiles ?? [])
        {
            if (!File.Exists(crl) && !Directory.Exists(crl))
            {
                errors.Add($"Sovereignty:Smime:Certificates:CrlFiles: '{crl}' does not exist.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.SigningKeyPair) || string.IsNullOrWhiteSpace(options.EscrowKeyPair))
        {
            errors.Add("Sovereignty:Smime:SigningKeyPair and EscrowKeyPair must name key pairs of Sovereignty:Hsm:KeyPairs.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void RequireFile(List<string> errors, string setting, string? path)
    {
        if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
        {
            errors.Add($"Sovereignty:Smime:{setting}: file '{path}' does not exist.");
        }
    }
}
