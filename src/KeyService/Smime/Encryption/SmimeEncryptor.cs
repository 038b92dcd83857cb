using System.Security.Cryptography.X509Certificates;
using MimeKit.Cryptography;
using Sovereignty.KeyService.Smime.Certificates;
using Sovereignty.KeyService.Smime.Signing;

namespace Sovereignty.KeyService.Smime.Encryption;

/// <summary>EnvelopedData, AES-256-CBC, per-recipient RSA key transport, issuer+serial ids, plus escrow.</summary>
internal sealed class SmimeEncryptor : ISmimeEncryptor
{
    private readonly ICertificateDirectory _directory;
    private readonly EscrowRecipient _escrow;
    private readonly ISmimeSigner? _signer;
    private readonly HeaderProtection _headerProtection;
    private readonly HashSet<string> _oaepDomains;

    public SmimeEncryptor(
        ICertificateDirectory directory,
        EscrowRecipient escrow,
        ISmimeSigner? signer,
        HeaderProtection headerProtection,
        IEnumerable<string>? oaepDomains)
    {
        _directory = directory;
        _escrow = escrow;
        _signer = signer;
        _headerProtection = headerProtection;
        _oaepDomains = new HashSet<string>(oaepDomains ?? [], StringComparer.OrdinalIgnoreCase);
    }

    public async Task<SmimeEncryptionResult> EncryptAsync(SmimeEncryptionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var recipients = new List<RecipientEncryption>();
        foreach (var address in request.Recipients)
        {
            if (!MailAddress.TryNormalize(address, out var normalized))
            {
                throw new ArgumentException($"Recipient '{address}' is not a plain local@domain address.", nameof(request));
            }

            if (recipients.Any(r => r.Address == normalized))
            {
                continue;
            }

            var lookup = await _directory.FindAsync(normalized, CertificateUsage.Encryption, cancellationToken).ConfigureAwait(false);
            recipients.Add(new RecipientEncryption(normalized, lookup, lookup.Selected is { } selected ? ChooseTransport(selected.Certificate, normalized) : null));
        }

        if (recipients.Any(r => r.Transport is null) && request.WhenCertificateMissing == MissingCertificateAction.Refuse)
        {
            return new SmimeEncryptionResult(null, recipients, _escrow.Fingerprint);
        }

        var message = request.Message;
        var payload = _headerProtection.Protect(message, request.PlaceholderSubject);
        if (request.Sign)
        {
            var signer = _signer ?? throw new KeyServiceException(KeyErrorKind.Configuration, "Signing was requested but no signing certificate is configured (Sovereignty:Smime:SigningCertificatePath).");
            payload = await signer.SignAsync(payload, request.Use, cancellationToken).ConfigureAwait(false);
        }

        var cmsRecipients = new CmsRecipientCollection();
        var added = new HashSet<string>(StringComparer.Ordinal);
        foreach (var recipient in recipients.Where(r => r.Transport is not null))
        {
            var certificate = recipient.Lookup.Selected!.Certificate;
            if (added.Add(certificate.Thumbprint))
            {
                cmsRecipients.Add(CreateRecipient(certificate, recipient.Transport!.Value));
            }
        }

        if (added.Add(_escrow.Certificate.Thumbprint))
        {
            cmsRecipients.Add(CreateRecipient(_escrow.Certificate, _escrow.Transport));
        }

        using var context = new TemporarySecureMimeContext();
        message.Body = await ApplicationPkcs7Mime.EncryptAsync(context, cmsRecipients, payload, cancellationToken).ConfigureAwait(false);
        return new SmimeEncryptionResult(message, recipients, _escrow.Fingerprint);
    }

    /// <summary>
    /// OAEP only where the recipient's certificate says its client reads it (or the domain is
    /// configured as OAEP-capable): NSS (Thunderbird) and gpgsm cannot decrypt OAEP.
    /// </summary>
    private KeyTransport ChooseTransport(X509Certificate2 certificate, string address) =>
        SmimeCapabilities.AdvertisedOaep(certificate)
        ?? (_oaepDomains.Contains(MailAddress.DomainOf(address)) ? KeyTransport.OaepSha256 : KeyTransport.Pkcs1);

    private static CmsRecipient CreateRecipient(X509Certificate2 certificate, KeyTransport transport) =>
        new(BouncyCastleCertificates.For(certificate), SubjectIdentifierType.IssuerAndSerialNumber)
        {
            // Without this MimeKit falls back to 3DES for certificates that advertise no capabilities.
            EncryptionAlgorithms = [EncryptionAlgorithm.Aes256],
            RsaEncryptionPadding = transport switch
            {
                KeyTransport.OaepSha1 => RsaEncryptionPadding.OaepSha1,
                KeyTransport.OaepSha256 => RsaEncryptionPadding.OaepSha256,
                _ => RsaEncryptionPadding.Pkcs1,
            },
        };
}
