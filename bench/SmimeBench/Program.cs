using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using Sovereignty.Bench.Smime;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Providers;
using Sovereignty.KeyService.Smime;
using Sovereignty.KeyService.Smime.Encryption;
using Sovereignty.Testing;

// S/MIME micro-benchmark: dotnet run -c Release --project bench/SmimeBench -- [seconds-per-case]
var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
const string Recipient = "alice@partner.example";

using var token = new SoftHsmToken();
using var pki = new BenchPki();
var hsm = new HsmOptions
{
    Providers = [token.ProviderOptions("softhsm")],
    KeyPairs =
    [
        new KeyPairOptions { Name = "smime-signing", Provider = "softhsm", ModulusBits = 2048 },
        new KeyPairOptions { Name = "smime-escrow", Provider = "softhsm", ModulusBits = 2048 },
    ],
};
await using var registry = new KeyProviderRegistry(hsm);
var provider = registry.GetAsymmetricKeyProvider("softhsm");
var signingKey = await provider.CreateRsaKeyPairAsync("smime-signing", 2048, default);
var escrowKey = await provider.CreateRsaKeyPairAsync("smime-escrow", 2048, default);
var log = new CountingKeyEventLog();
var ring = new KeyPairRing(new KeyCatalog(hsm, registry, TimeProvider.System), log);

using var signingCertificate = pki.Issue("smime-gateway@org.example", X509KeyUsageFlags.DigitalSignature, signingKey.SubjectPublicKeyInfo);
using var escrowCertificate = pki.Issue("escrow@org.example", X509KeyUsageFlags.KeyEncipherment, escrowKey.SubjectPublicKeyInfo);
using var alice = pki.Issue(Recipient, X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DigitalSignature);
pki.Write($"certs/{Recipient}.pem", alice);
var services = SmimeServices.Create(
    new SmimeOptions
    {
        SigningCertificatePath = pki.Write("signing.pem", signingCertificate, pki.Ca),
        EscrowCertificatePath = pki.Write("escrow.pem", escrowCertificate),
        EscrowKeyTransport = KeyTransport.OaepSha256,
        Certificates = new() { Directory = Path.Combine(pki.Directory, "certs"), TrustAnchorFiles = [pki.CaFile], CrlFiles = [pki.CrlFile] },
    },
    ring,
    TimeProvider.System,
    NullLoggerFactory.Instance);

// Baseline material for openssl: a software copy of a signing key (openssl cannot use the SoftHSM key here).
using var opensslSigner = pki.Issue("openssl-signer@org.example", X509KeyUsageFlags.DigitalSignature);
var opensslSignerPem = pki.Write("openssl-signer.pem", opensslSigner);
var opensslSignerKey = pki.WriteKey("openssl-signer.key", opensslSigner);
var alicePem = pki.Write("alice.pem", alice);
var escrowPem = pki.Write("escrow-only.pem", escrowCertificate);

Console.WriteLine($"S/MIME micro-benchmark: {Environment.ProcessorCount} cores, {seconds:0.#} s per case, RSA-2048 keys in SoftHSM {token.TokenLabel}, key events counted in memory");
Console.WriteLine($"{"case",-44} {"size",8} {"ops/s",10} {"ms/op",8}");
await Report("certificate lookup + validation", "-", seconds, async () =>
    await services.Directory.FindAsync(Recipient, Sovereignty.KeyService.Smime.Certificates.CertificateUsage.Encryption, default));
foreach (var (label, bytes) in new[] { ("20 KB", Messages.Build(20 * 1024, attachment: false)), ("1 MB", Messages.Build(1024 * 1024, attachment: true)) })
{
    var file = Path.Combine(pki.Directory, $"message-{bytes.Length}.eml");
    await File.WriteAllBytesAsync(file, bytes);

    await Report("sovereignty sign (HSM key)", label, seconds, async () =>
        await services.Signer!.SignMessageAsync(Messages.Parse(bytes), KeyUse.Cli("bench"), default));
    await Report("sovereignty encrypt (1 recipient + escrow)", label, seconds, async () =>
        await services.Encryptor.EncryptAsync(new SmimeEncryptionRequest(Messages.Parse(bytes), [Recipient], KeyUse.Cli("bench")), default));
    await Report("sovereignty sign+encrypt", label, seconds, async () =>
        await services.Encryptor.EncryptAsync(new SmimeEncryptionRequest(Messages.Parse(bytes), [Recipient], KeyUse.Cli("bench")) { Sign = true }, default));
    await Report("sovereignty sign+encrypt, 4 concurrent", label, seconds, () => services.Encryptor.EncryptAsync(new SmimeEncryptionRequest(Messages.Parse(bytes), [Recipient], KeyUse.Cli("bench")) { Sign = true }, default), concurrency: 4);
    await Report("baseline: openssl cms -sign (software key)", label, seconds, () =>
        Openssl("cms", "-sign", "-in", file, "-signer", opensslSignerPem, "-inkey", opensslSignerKey, "-out", file + ".signed"));
    await Report("baseline: openssl cms -encrypt -aes256", label, seconds, () =>
        Openssl("cms", "-encrypt", "-aes256", "-in", file, "-out", file + ".p7m", alicePem, escrowPem));
}

Console.WriteLine();
Console.WriteLine($"baseline: HSM RSA-2048 sign alone (KeyPairRing, SoftHSM) and openssl speed rsa2048:");
await Report("key pair ring sign (SoftHSM)", "32 B", seconds, () => ring.SignAsync("smime-signing", new byte[32], RsaSignatureScheme.Pkcs1Sha256, KeyUse.Cli("bench"), default));
var speed = await OpensslOutput("speed", "-seconds", "2", "rsa2048");
Console.WriteLine(speed.Split('\n').LastOrDefault(l => l.StartsWith("rsa 2048", StringComparison.Ordinal))?.Trim() + "   (openssl speed: sign/s verify/s at the end)");
Console.WriteLine($"key events recorded: {log.Count}");
return 0;

static async Task Report(string name, string size, double seconds, Func<Task> operation, int concurrency = 1)
{
    await operation(); // warm-up
    var stopwatch = Stopwatch.StartNew();
    var count = 0;
    var workers = Enumerable.Range(0, concurrency).Select(async _ =>
    {
        while (stopwatch.Elapsed.TotalSeconds < seconds)
        {
            await operation();
            Interlocked.Increment(ref count);
        }
    });
    await Task.WhenAll(workers);
    var elapsed = stopwatch.Elapsed.TotalSeconds;
    Console.WriteLine($"{name,-44} {size,8} {count / elapsed,10:0.0} {elapsed * 1000 * concurrency / count,8:0.00}");
}

static async Task Openssl(params string[] arguments)
{
    var (exit, _, error) = await Run(arguments);
    if (exit != 0)
    {
        throw new InvalidOperationException("openssl failed: " + error);
    }
}

static async Task<string> OpensslOutput(params string[] arguments) => (await Run(arguments)).Output;

static async Task<(int Exit, string Output, string Error)> Run(string[] arguments)
{
    var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var argument in arguments)
    {
        start.ArgumentList.Add(argument);
    }

    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var error = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    return (process.ExitCode, await output, await error);
}

/// <summary>Counts key events (the audit log's own cost is benchmarked with the audit log).</summary>
internal sealed class CountingKeyEventLog : IKeyEventLog
{
    private int _count;

    public int Count => _count;

    public ValueTask RecordAsync(KeyEvent keyEvent, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _count);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Benchmark messages: text of the given size, or a short text plus a binary attachment.</summary>
internal static class Messages
{
    public static byte[] Build(int size, bool attachment)
    {
        var random = new Random(42);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("jdupont@org.example"));
        message.To.Add(MailboxAddress.Parse("alice@partner.example"));
        message.Subject = "Quarterly figures";
        var builder = new BodyBuilder();
        if (attachment)
        {
            builder.TextBody = "Please find the report attached.\n";
            var data = new byte[size];
            random.NextBytes(data);
            builder.Attachments.Add("report.bin", data);
        }
        else
        {
            var words = new[] { "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel" };
            var text = new System.Text.StringBuilder(size + 64);
            while (text.Length < size)
            {
                text.Append(words[random.Next(words.Length)]).Append(text.Length % 72 < 8 ? '\n' : ' ');
            }

            builder.TextBody = text.ToString();
        }

        message.Body = builder.ToMessageBody();
        using var memory = new MemoryStream();
        message.WriteTo(memory);
        return memory.ToArray();
    }

    public static MimeMessage Parse(byte[] bytes)
    {
        using var memory = new MemoryStream(bytes, writable: false);
        return MimeMessage.Load(memory);
    }
}
