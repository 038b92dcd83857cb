using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Smime;
using Sovereignty.KeyService.Smime.Certificates;
using Sovereignty.KeyService.Tests.Support;

namespace Sovereignty.KeyService.Tests.Smime;

/// <summary>
/// One PKI for a test class: the organisation's signing and escrow certificates, and
/// recipients whose certificates advertise PKCS#1 only, OAEP-SHA-1 and OAEP-SHA-256.
/// </summary>
public sealed class SmimeFixture : IDisposable
{
    public const string Alice = "alice@partner.example";
    public const string Bob = "bob@oaep.example";
    public const string Carol = "carol@oaep256.example";

    public SmimeFixture()
    {
        Pki = new TestPki();
        Signing = Pki.Issue("smime-gateway@org.example", new RecipientProfile { KeyUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation });
        Escrow = Pki.Issue("escrow@org.example", new RecipientProfile { KeyUsage = X509KeyUsageFlags.KeyEncipherment });
        AliceCertificate = Pki.Issue(Alice);
        BobCertificate = Pki.Issue(Bob, new RecipientProfile { Advertise = KeyTransport.OaepSha1 });
        CarolCertificate = Pki.Issue(Carol, new RecipientProfile { Advertise = KeyTransport.OaepSha256 });

        CertificateDirectory = Path.Combine(Pki.Directory, "certs");
        Pki.WritePem($"certs/{Alice}.pem", AliceCertificate);
        Pki.WritePem($"certs/{Bob}.pem", BobCertificate);
        Pki.WritePem($"certs/{Carol}.pem", CarolCertificate);
        SigningFile = Pki.WritePem("org/signing.pem", Signing, Pki.Ca);
        EscrowFile = Pki.WritePem("org/escrow.pem", Escrow);
        CrlFile = Pki.WriteCrl("ca.crl", Pki.CreateCrl([]));
    }

    public TestPki Pki { get; }

    public X509Certificate2 Signing { get; }

    public X509Certificate2 Escrow { get; }

    public X509Certificate2 AliceCertificate { get; }

    public X509Certificate2 BobCertificate { get; }

    public X509Certificate2 CarolCertificate { get; }

    public string CertificateDirectory { get; }

    public string SigningFile { get; }

    public string EscrowFile { get; }

    public string CrlFile { get; }

    public SmimeOptions Options(KeyTransport escrowTransport = KeyTransport.OaepSha256) => new()
    {
        SigningCertificatePath = SigningFile,
        EscrowCertificatePath = EscrowFile,
        EscrowKeyTransport = escrowTransport,
        Certificates = new CertificateDirectoryOptions
        {
            Directory = CertificateDirectory,
            TrustAnchorFiles = [Pki.CaFile],
            CrlFiles = [CrlFile],
        },
    };

    /// <summary>Services with in-process keys (format tests; the HSM tests use SoftHSM).</summary>
    public Harness CreateHarness(KeyTransport escrowTransport = KeyTransport.OaepSha256)
    {
        var log = new RecordingKeyEventLog();
        var options = Options(escrowTransport);
        var keys = new SoftwareKeyPairRing(new() { [options.SigningKeyPair] = Signing, [options.EscrowKeyPair] = Escrow }, log);
        var services = SmimeServices.Create(options, keys, TimeProvider.System, NullLoggerFactory.Instance);
        return new Harness(services, keys, log);
    }

    /// <summary>A message with canaries in the subject, the body and an attachment.</summary>
    public static MimeMessage CanaryMessage(string canary, params string[] to)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("jdupont@org.example"));
        foreach (var address in to)
        {
            message.To.Add(MailboxAddress.Parse(address));
        }

        message.Subject = $"Subject {canary}-SUBJECT";
        message.Headers.Add("Keywords", $"{canary}-KEYWORDS");
        var builder = new BodyBuilder { TextBody = $"Hello,\nthe IBAN is {canary}-BODY.\n" };
        builder.Attachments.Add("contract.txt", System.Text.Encoding.UTF8.GetBytes($"attachment {canary}-ATTACHMENT"), new ContentType("text", "plain"));
        message.Body = builder.ToMessageBody();
        return message;
    }

    public static KeyUse Use => new() { Actor = "jdupont", Purpose = "rule:iban-to-partner", ObjectId = "<test@org.example>" };

    public void Dispose() => Pki.Dispose();
}

public sealed record Harness(SmimeServices Services, SoftwareKeyPairRing Keys, RecordingKeyEventLog Log);
