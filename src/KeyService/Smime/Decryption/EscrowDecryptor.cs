using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Oiw;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Providers;
using CmsContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;

namespace Sovereignty.KeyService.Smime.Decryption;

/// <summary>
/// Decrypts EnvelopedData addressed to the escrow certificate, or to a retired one (renewed
/// certificate or rotated key pair, see <see cref="RetiredEscrowCertificate"/>): the content-encryption key
/// is decrypted in the HSM (PKCS#1 v1.5, OAEP-SHA-1, OAEP-SHA-256: the provider falls back
/// to raw RSA plus software OAEP decoding where the token lacks it), the content with
/// BouncyCastle's ciphers (BouncyCastle's CMS API cannot take an
/// already-recovered content key).
/// </summary>
internal sealed class EscrowDecryptor : ISmimeEscrowDecryptor
{
    private static readonly Dictionary<DerObjectIdentifier, int> s_contentAlgorithms = new()
    {
        [NistObjectIdentifiers.IdAes128Cbc] = 16,
        [NistObjectIdentifiers.IdAes192Cbc] = 24,
        [NistObjectIdentifiers.IdAes256Cbc] = 32,
        [PkcsObjectIdentifiers.DesEde3Cbc] = 24,
    };

    private readonly IReadOnlyList<EscrowIdentity> _identities;
    private readonly IKeyPairRing _keyPairs;
    private readonly IReadOnlyList<string> _protectedHeaders;

    /// <param name="identities">The current escrow certificate first, then retired ones.</param>
    /// <param name="keyPairs">The HSM key pairs; records one key event per use.</param>
    /// <param name="protectedHeaders">Headers to restore from the decrypted payload.</param>
    public EscrowDecryptor(IReadOnlyList<EscrowIdentity> identities, IKeyPairRing keyPairs, IReadOnlyList<string> protectedHeaders)
    {
        if (identities.Count == 0)
        {
            throw new ArgumentException("At least the current escrow certificate is needed.", nameof(identities));
        }

        _identities = identities;
        _keyPairs = keyPairs;
        _protectedHeaders = protectedHeaders;
    }

    public async Task<MimeMessage> DecryptAsync(MimeMessage message, KeyUse use, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Body is not ApplicationPkcs7Mime { SecureMimeType: SecureMimeType.EnvelopedData } enveloped)
        {
            throw new KeyServiceException(KeyErrorKind.InvalidData, "The message is not S/MIME encrypted (no application/pkcs7-mime; smime-type=enveloped-data body).");
        }

        var envelopedData = Parse(enveloped);
        var (recipient, identity) = FindEscrowRecipient(envelopedData);
        var scheme = KeyTransportOf(recipient.KeyEncryptionAlgorithm);
        var contentAlgorithm = envelopedData.EncryptedContentInfo.ContentEncryptionAlgorithm;
        if (!s_contentAlgorithms.TryGetValue(contentAlgorithm.Algorithm, out var keyLength))
        {
            throw new KeyServiceException(KeyErrorKind.InvalidData, $"Unsupported content encryption algorithm {contentAlgorithm.Algorithm.Id}.");
        }

        // The key pair ring records the DecryptKey event (or fails, retryably) before it returns.
        var contentKey = await _keyPairs.DecryptAsync(identity.KeyPair, recipient.EncryptedKey.GetOctets(), scheme, use, cancellationToken).ConfigureAwait(false);
        byte[] content;
        try
        {
            if (contentKey.Length != keyLength)
            {
                throw new KeyServiceException(KeyErrorKind.InvalidData, "The decrypted content key has the wrong length: the message is corrupt or not for this key.");
            }

            content = DecryptContent(envelopedData.EncryptedContentInfo, contentKey);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(contentKey);
        }

        MimeEntity entity;
        using (var stream = new MemoryStream(content, writable: false))
        {
            entity = await MimeEntity.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        message.Body = RestoreProtectedHeaders(message, entity);
        return message;
    }

    private static EnvelopedData Parse(ApplicationPkcs7Mime enveloped)
    {
        using var encoded = new MemoryStream();
        var content = enveloped.Content ?? throw new KeyServiceException(KeyErrorKind.InvalidData, "The S/MIME part is empty.");
        content.DecodeTo(encoded);
        try
        {
            var contentInfo = CmsContentInfo.GetInstance(Asn1Object.FromByteArray(encoded.ToArray()));
            if (!CmsObjectIdentifiers.EnvelopedData.Equals(contentInfo.ContentType))
            {
                throw new KeyServiceException(KeyErrorKind.InvalidData, $"The S/MIME body is {contentInfo.ContentType.Id}, not EnvelopedData.");
            }

            return EnvelopedData.GetInstance(contentInfo.Content);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or InvalidCastException or Asn1Exception)
        {
            throw new KeyServiceException(KeyErrorKind.InvalidData, "The S/MIME body is not valid CMS.", ex);
        }
    }

    private (KeyTransRecipientInfo Recipient, EscrowIdentity Identity) FindEscrowRecipient(EnvelopedData envelopedData)
    {
        // Current certificate first: a message also addressed to a retired one opens with today's key.
        foreach (var identity in _identities)
        {
            foreach (var encodable in envelopedData.RecipientInfos ?? new DerSet())
            {
                if (RecipientInfo.GetInstance(encodable).Info is KeyTransRecipientInfo keyTrans && identity.IsNamedBy(keyTrans.RecipientIdentifier))
                {
                    return (keyTrans, identity);
                }
            }
        }

        throw new KeyServiceException(KeyErrorKind.InvalidData, "The message was not encrypted to the escrow certificate (nor to a retired one configured in RetiredEscrowCertificates).");
    }

    private static RsaDecryptionScheme KeyTransportOf(AlgorithmIdentifier algorithm)
    {
        if (PkcsObjectIdentifiers.RsaEncryption.Equals(algorithm.Algorithm))
        {
            return RsaDecryptionScheme.Pkcs1;
        }

        if (PkcsObjectIdentifiers.IdRsaesOaep.Equals(algorithm.Algorithm))
        {
            var parameters = RsaesOaepParameters.GetInstance(algorithm.Parameters ?? new DerSequence());
            var hash = parameters.HashAlgorithm.Algorithm;
            var mgfHash = AlgorithmIdentifier.GetInstance(parameters.MaskGenAlgorithm.Parameters).Algorithm;
            var emptyLabel = parameters.PSourceAlgorithm.Parameters is not Asn1OctetString label || label.GetOctets().Length == 0;
            if (emptyLabel && OiwObjectIdentifiers.IdSha1.Equals(hash) && OiwObjectIdentifiers.IdSha1.Equals(mgfHash))
            {
                return RsaDecryptionScheme.OaepSha1;
            }

            if (emptyLabel && NistObjectIdentifiers.IdSha256.Equals(hash) && NistObjectIdentifiers.IdSha256.Equals(mgfHash))
            {
                return RsaDecryptionScheme.OaepSha256;
            }
        }

        throw new KeyServiceException(KeyErrorKind.InvalidData, $"Unsupported key transport {algorithm.Algorithm.Id} for the escrow recipient.");
    }

    private static byte[] DecryptContent(EncryptedContentInfo info, byte[] contentKey)
    {
        var algorithm = info.ContentEncryptionAlgorithm;
        var encrypted = info.EncryptedContent ?? throw new KeyServiceException(KeyErrorKind.InvalidData, "The EnvelopedData has no encrypted content.");
        try
        {
            var cipher = CipherUtilities.GetCipher(algorithm.Algorithm);
            var key = ParameterUtilities.CreateKeyParameter(algorithm.Algorithm, contentKey);
            cipher.Init(false, ParameterUtilities.GetCipherParameters(algorithm.Algorithm, key, algorithm.Parameters?.ToAsn1Object()));
            return cipher.DoFinal(encrypted.GetOctets());
        }
        catch (Exception ex) when (ex is InvalidCipherTextException or DataLengthException or ArgumentException or SecurityUtilityException)
        {
            throw new KeyServiceException(KeyErrorKind.InvalidData, "The encrypted content does not decrypt (corrupt message).", ex);
        }
    }

    /// <summary>
    /// RFC 9788: the header fields on the cryptographic payload are the real ones; put the
    /// protected ones (Subject above all) back on the outside of the decrypted message, and
    /// drop the legacy-display part that only repeated them (unless it is under a signature,
    /// which must stay byte for byte as signed).
    /// </summary>
    private MimeEntity RestoreProtectedHeaders(MimeMessage message, MimeEntity entity)
    {
        var payload = entity is MultipartSigned signed && signed.Count > 0 ? signed[0] : entity;
        var parameters = payload.ContentType.Parameters;
        if (!parameters.Contains("hp") && !parameters.Contains("protected-headers"))
        {
            return entity;
        }

        foreach (var name in _protectedHeaders)
        {
            var inner = payload.Headers.Where(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase)).ToList();
            message.Headers.RemoveAll(name);
            foreach (var header in inner)
            {
                message.Headers.Add(header.Clone());
            }
        }

        if (ReferenceEquals(payload, entity)
            && entity is Multipart { Count: 2 } mixed
            && mixed[0].ContentType.Parameters.TryGetValue("hp-legacy-display", out string? legacy) && legacy == "1")
        {
            return mixed[1];
        }

        return entity;
    }
}
