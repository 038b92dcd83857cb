using Microsoft.Extensions.Logging;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Smime.Certificates;
using Sovereignty.KeyService.Smime.Decryption;
using Sovereignty.KeyService.Smime.Encryption;
using Sovereignty.KeyService.Smime.Signing;

namespace Sovereignty.KeyService.Smime;

/// <summary>
/// The S/MIME services wired from <see cref="SmimeOptions"/>: what the relay and the CLI use.
/// Built once (certificates are read at start-up); thread-safe.
/// </summary>
public sealed class SmimeServices
{
    private SmimeServices(ICertificateDirectory directory, ISmimeSigner? signer, ISmimeEncryptor encryptor, ISmimeEscrowDecryptor escrow)
    {
        Directory = directory;
        Signer = signer;
        Encryptor = encryptor;
        EscrowDecryptor = escrow;
    }

    /// <summary>Recipients' certificates.</summary>
    public ICertificateDirectory Directory { get; }

    /// <summary>The organisation's signer, or <see langword="null"/> when no signing certificate is configured.</summary>
    public ISmimeSigner? Signer { get; }

    /// <summary>Encryption to recipients plus escrow.</summary>
    public ISmimeEncryptor Encryptor { get; }

    /// <summary>Decryption with the escrow key.</summary>
    public ISmimeEscrowDecryptor EscrowDecryptor { get; }

    /// <summary>
    /// Reads the certificates named by <paramref name="options"/> and wires the services; the
    /// private keys are used through <paramref name="keyPairs"/>, which records one key event per use.
    /// </summary>
    /// <exception cref="KeyServiceException">A configured file is missing or unusable (<see cref="KeyErrorKind.Configuration"/>).</exception>
    public static SmimeServices Create(SmimeOptions options, IKeyPairRing keyPairs, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validation = new SmimeOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new KeyServiceException(KeyErrorKind.Configuration, validation.FailureMessage);
        }

        var directory = CertificateDirectory.Create(options.Certificates, time, loggers);
        var signer = options.SigningCertificatePath is { Length: > 0 } signingPath
            ? new SmimeSigner(new SigningIdentity(LoadConfigured(signingPath)), keyPairs, options.SigningKeyPair, time)
            : null;
        var escrowCertificate = LoadConfigured(options.EscrowCertificatePath!)[0];
        var encryptor = new SmimeEncryptor(
            directory,
            new EscrowRecipient(escrowCertificate, options.EscrowKeyTransport),
            signer,
            new HeaderProtection(options.EffectiveProtectedHeaders, options.LegacyDisplay),
            options.OaepDomains);
        var escrow = new EscrowDecryptor(EscrowIdentities(options, escrowCertificate), keyPairs, options.EffectiveProtectedHeaders);
        return new SmimeServices(directory, signer, encryptor, escrow);
    }

    /// <summary>Only the certificate directory (the <c>smime certs check</c> verb).</summary>
    public static ICertificateDirectory CreateCertificateDirectory(CertificateDirectoryOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Directory) || !System.IO.Directory.Exists(options.Directory))
        {
            throw new KeyServiceException(KeyErrorKind.Configuration, $"Sovereignty:Smime:Certificates:Directory '{options.Directory}' is not an existing directory.");
        }

        try
        {
            return CertificateDirectory.Create(options, time, loggers);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new KeyServiceException(KeyErrorKind.Configuration, $"A trust anchor or intermediate file cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Only the escrow decryptor (the <c>smime decrypt</c> verb): needs
    /// <see cref="SmimeOptions.EscrowCertificatePath"/> and the escrow key pair, nothing else.
    /// </summary>
    public static ISmimeEscrowDecryptor CreateEscrowDecryptor(SmimeOptions options, IKeyPairRing keyPairs)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.EscrowCertificatePath))
        {
            throw new KeyServiceException(KeyErrorKind.Configuration, "Sovereignty:Smime:EscrowCertificatePath is not set.");
        }

        var certificate = LoadConfigured(options.EscrowCertificatePath)[0];
        return new EscrowDecryptor(EscrowIdentities(options, certificate), keyPairs, options.EffectiveProtectedHeaders);
    }

    /// <summary>
    /// The current escrow certificate, then the retired ones. A retired certificate without
    /// its own key pair is a renewal: it must certify the current key, or its mail could
    /// never be decrypted (caught here, at start-up, rather than on the day of a recovery).
    /// </summary>
    private static List<EscrowIdentity> EscrowIdentities(SmimeOptions options, System.Security.Cryptography.X509Certificates.X509Certificate2 current)
    {
        var currentIdentity = new EscrowIdentity(current, options.EscrowKeyPair);
        var identities = new List<EscrowIdentity> { currentIdentity };
        foreach (var retired in options.RetiredEscrowCertificates ?? [])
        {
            var keyPair = string.IsNullOrWhiteSpace(retired.KeyPair) ? options.EscrowKeyPair : retired.KeyPair;
            var identity = new EscrowIdentity(LoadConfigured(retired.CertificatePath!)[0], keyPair);
            if (keyPair == options.EscrowKeyPair && !identity.CertifiesSameKeyAs(currentIdentity))
            {
                throw new KeyServiceException(
                    KeyErrorKind.Configuration,
                    $"Sovereignty:Smime:RetiredEscrowCertificates: '{retired.CertificatePath}' certifies another key than the escrow key pair '{options.EscrowKeyPair}'; name the key pair that holds its private key (KeyPair).");
            }

            identities.Add(identity);
        }

        return identities;
    }

    private static IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2> LoadConfigured(string path)
    {
        try
        {
            return CertificateFiles.Load(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new KeyServiceException(KeyErrorKind.Configuration, $"Certificate file '{path}' cannot be read: {ex.Message}", ex);
        }
    }
}
