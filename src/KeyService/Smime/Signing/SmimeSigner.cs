using MimeKit;
using MimeKit.Cryptography;
using MimeKit.IO;
using MimeKit.IO.Filters;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.Smime.Signing;

/// <summary>multipart/signed (RFC 8551 §3.5) with the signature made by the HSM key.</summary>
internal sealed class SmimeSigner : ISmimeSigner
{
    private const string SignatureProtocol = "application/pkcs7-signature";

    private readonly SigningIdentity _identity;
    private readonly ISmimePrivateKey _key;
    private readonly IKeyEventLog _log;
    private readonly TimeProvider _time;

    public SmimeSigner(SigningIdentity identity, ISmimePrivateKey key, IKeyEventLog log, TimeProvider time)
    {
        _identity = identity;
        _key = key;
        _log = log;
        _time = time;
    }

    public string CertificateFingerprint => _identity.Fingerprint;

    public async Task<MultipartSigned> SignAsync(MimeEntity entity, KeyUse use, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(use);

        var (canonical, bytes) = Canonicalize(entity);
        var detail = new Dictionary<string, string>
        {
            ["signer-certificate"] = _identity.Fingerprint,
            ["algorithm"] = "sha256WithRSAEncryption",
        };
        var signature = await AuditedKeyUse.RunAsync(
            _log,
            KeyOperation.Sign,
            _key.Reference,
            use,
            detail,
            ct => DetachedCmsSignature.CreateAsync(bytes, _identity, _key, _time.GetUtcNow(), ct),
            cancellationToken).ConfigureAwait(false);

        var signed = new MultipartSigned();
        signed.ContentType.Parameters["protocol"] = SignatureProtocol;
        signed.ContentType.Parameters["micalg"] = "sha-256";
        signed.Add(canonical);
        signed.Add(new ApplicationPkcs7Signature(new MemoryStream(signature, writable: false)));
        return signed;
    }

    public async Task<MimeMessage> SignMessageAsync(MimeMessage message, KeyUse use, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = message.Body ?? throw new KeyServiceException(KeyErrorKind.InvalidData, "The message has no body to sign.");
        message.Body = await SignAsync(body, use, cancellationToken).ConfigureAwait(false);
        return message;
    }

    /// <summary>
    /// The exact bytes that get signed, and the entity re-parsed from them so that what is
    /// sent is byte for byte what was signed: 7-bit transfer encodings (RFC 8551 §3.1.1:
    /// MTAs may re-encode 8-bit parts) and CRLF line endings.
    /// </summary>
    internal static (MimeEntity Entity, byte[] Bytes) Canonicalize(MimeEntity entity)
    {
        entity.Prepare(EncodingConstraint.SevenBit, 78);
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;

        using var memory = new MemoryStream();
        using (var filtered = new FilteredStream(memory))
        {
            filtered.Add(new Unix2DosFilter());
            entity.WriteTo(options, filtered);
            filtered.Flush();
        }

        var bytes = memory.ToArray();
        using var reader = new MemoryStream(bytes, writable: false);
        return (MimeEntity.Load(reader), bytes);
    }
}
