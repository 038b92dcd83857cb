using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Providers;

namespace Sovereignty.KeyService.Smime.Enrolment;

/// <summary>
/// Builds a PKCS#10 certificate signing request for one of the HSM's RSA key pairs, signed
/// inside the HSM (proof of possession): what an operator sends to the organisation's CA to
/// obtain the gateway's signing and escrow certificates. The private key never leaves the HSM.
/// </summary>
/// <remarks>
/// .NET's <see cref="CertificateRequest"/> asks its signature generator synchronously, while
/// an HSM signature is an asynchronous, audited key use. So the request is built twice: the
/// first pass captures the bytes to be signed, the HSM signs them, and the second pass — over
/// the same subject, key and extensions, hence the same bytes (checked) — inserts the signature.
/// </remarks>
public static class SmimeCertificateRequest
{
    private static readonly Oid s_emailProtection = new("1.3.6.1.5.5.7.3.4", "Secure Email");

    /// <summary>Creates the request and returns it PEM-encoded (<c>CERTIFICATE REQUEST</c>).</summary>
    /// <param name="keyPairs">The HSM key pairs; signing the request is one audited key use.</param>
    /// <param name="keyPair">Name of the key pair in <c>Sovereignty:Hsm:KeyPairs</c>.</param>
    /// <param name="subject">Distinguished name the CA is asked to certify.</param>
    /// <param name="email">Address put in the subject alternative name (S/MIME clients match on it), or null.</param>
    /// <param name="purpose">Key usage requested.</param>
    /// <param name="use">Who asks and why, for the audit event.</param>
    /// <param name="cancellationToken">Cancels the HSM call.</param>
    public static async Task<string> CreatePemAsync(
        IKeyPairRing keyPairs,
        string keyPair,
        X500DistinguishedName subject,
        string? email,
        SmimeKeyPurpose purpose,
        KeyUse use,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyPairs);
        ArgumentNullException.ThrowIfNull(subject);
        var publicKeyInfo = await keyPairs.GetPublicKeyAsync(keyPair, cancellationToken).ConfigureAwait(false);
        using var publicKey = RSA.Create();
        publicKey.ImportSubjectPublicKeyInfo(publicKeyInfo.SubjectPublicKeyInfo, out _);

        var generator = new HsmSignatureGenerator(publicKey);
        var request = Describe(subject, email, purpose, publicKey);
        request.CreateSigningRequest(generator);
        var toBeSigned = generator.ToBeSigned
            ?? throw new InvalidOperationException("The certificate request was built without asking for a signature.");

        var signature = await keyPairs.SignAsync(keyPair, toBeSigned, RsaSignatureScheme.Pkcs1Sha256, use, cancellationToken).ConfigureAwait(false);
        if (!publicKey.VerifyData(toBeSigned, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            throw new KeyServiceException(KeyErrorKind.InvalidData, $"The HSM's signature for key pair '{keyPair}' does not verify with its public key.");
        }

        generator.Signature = signature;
        var der = Describe(subject, email, purpose, publicKey).CreateSigningRequest(generator);
        return PemEncoding.WriteString("CERTIFICATE REQUEST", der) + "\n";
    }

    private static CertificateRequest Describe(X500DistinguishedName subject, string? email, SmimeKeyPurpose purpose, RSA publicKey)
    {
        var request = new CertificateRequest(subject, publicKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var usage = purpose == SmimeKeyPurpose.Signing
            ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation
            : X509KeyUsageFlags.KeyEncipherment;
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([s_emailProtection], critical: false));
        if (!string.IsNullOrEmpty(email))
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddEmailAddress(email);
            request.CertificateExtensions.Add(names.Build());
        }

        return request;
    }

    /// <summary>Hands the bytes to be signed out on the first pass and the HSM's signature back on the second.</summary>
    private sealed class HsmSignatureGenerator(RSA publicKey) : X509SignatureGenerator
    {
        private readonly X509SignatureGenerator _algorithm = CreateForRSA(publicKey, RSASignaturePadding.Pkcs1);

        public byte[]? ToBeSigned { get; private set; }

        public byte[]? Signature { get; set; }

        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) =>
            _algorithm.GetSignatureAlgorithmIdentifier(hashAlgorithm);

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm)
        {
            if (Signature is null)
            {
                ToBeSigned = data;
                return [];
            }

            return data.AsSpan().SequenceEqual(ToBeSigned)
                ? Signature
                : throw new InvalidOperationException("The certificate request changed between the two passes.");
        }

        protected override PublicKey BuildPublicKey() => _algorithm.PublicKey;
    }
}
