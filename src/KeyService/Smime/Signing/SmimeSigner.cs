using MimeKit;
using MimeKit.Cryptography;
using MimeKit.IO;
using MimeKit.IO.Filters;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Providers;

namespace Sovereignty.KeyService.Smime.Signing;

/// <summary>multipart/signed (RFC 8551 §3.5) with the signature made by the HSM key.</summary>
internal sealed class SmimeSigner : ISmimeSigner
{
    private const string SignatureProtocol = "application/pkcs7-signature";

    private readonly SigningIdentity _identity;
    private readonly IKeyPairRing _keyPairs;
    private readonly string _keyPair;
    private readonly TimeProvider _time;

    public SmimeSigner(SigningIdentity identity, IKeyPairRing keyPairs, string keyPair, TimeProvider time)
    {
        _identity = identity;
        _keyPairs = keyPairs;
        _keyPair = keyPair;
        _time = time;
    }

    public string CertificateFingerprint => _identity.Fingerprint;

    public async Task<MultipartSigned> SignAsync(MimeEntity entity, KeyUse use, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(use);

        var (canonical, bytes) = Canonicalize(entity);
        // The key pair ring records the Sign key event (or fails, retryably) before it returns.
        var signature = await DetachedCmsSignature.CreateAsync(
            bytes,
            _identity,
            (toBeSigned, ct) => _keyPairs.SignAsync(_keyPair, toBeSigned, RsaSignatureScheme.Pkcs1Sha256, use, ct),
            _time.GetUtcNow(),
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
