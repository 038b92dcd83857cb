using System.CommandLine;
using MimeKit;
using Sovereignty.KeyService;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Smime;
using Sovereignty.KeyService.Smime.Certificates;
using Sovereignty.Proxy.Hosting;

namespace Sovereignty.Proxy.Cli;

/// <summary>
/// <c>sovereignty smime decrypt IN OUT</c>: decrypts, for recovery or eDiscovery, a message
/// encrypted to the organisation's escrow certificate, with the escrow key in the HSM (one
/// audited key use). <c>sovereignty smime certs check ADDRESS</c>: which certificate the relay
/// would encrypt to, or why none is usable. <c>sovereignty smime csr</c>: a certificate request
/// for the gateway's own signing or escrow key (SmimeCommands.Csr.cs).
/// </summary>
internal static partial class SmimeCommands
{
    public static Command Create()
    {
        var smime = new Command("smime", "S/MIME: decrypt escrowed mail, check recipients' certificates, request the gateway's own certificates.");
        smime.Options.Add(CliHost.ConfigOption);
        smime.Subcommands.Add(Decrypt());
        smime.Subcommands.Add(Csr());
        var certs = new Command("certs", "Recipients' certificates in the certificate directory.");
        certs.Subcommands.Add(Check());
        smime.Subcommands.Add(certs);
        return smime;
    }

    private static Command Decrypt()
    {
        var input = new Argument<FileInfo>("IN") { Description = "The encrypted message (RFC 5322 file, e.g. from the mailbox export)." };
        var output = new Argument<FileInfo>("OUT") { Description = "Where to write the decrypted message (must not exist)." };
        var command = new Command("decrypt", "Decrypt a message encrypted to the escrow certificate with the escrow key in the HSM (audited).");
        command.Arguments.Add(input);
        command.Arguments.Add(output);
        command.SetAction((parseResult, cancellationToken) => CliHost.RunAsync(parseResult, async (services, stdout, ct) =>
        {
            var source = parseResult.GetValue(input)!;
            var target = parseResult.GetValue(output)!;
            if (!source.Exists)
            {
                throw new KeyServiceException(KeyErrorKind.InvalidData, $"Input file '{source.FullName}' does not exist.");
            }

            if (target.Exists)
            {
                throw new KeyServiceException(KeyErrorKind.InvalidData, $"Output file '{target.FullName}' already exists; nothing was decrypted.");
            }

            MimeMessage message;
            try
            {
                message = await MimeMessage.LoadAsync(source.FullName, ct).ConfigureAwait(false);
            }
            catch (FormatException ex)
            {
                throw new KeyServiceException(KeyErrorKind.InvalidData, $"'{source.Name}' is not a mail message: {ex.Message}", ex);
            }

            var decryptor = SmimeServices.CreateEscrowDecryptor(Options(services), services.GetRequiredService<IKeyPairRing>());
            var use = KeyUse.Cli("smime decrypt") with { ObjectId = message.MessageId is { Length: > 0 } id ? $"<{id}>" : source.Name };
            var decrypted = await decryptor.DecryptAsync(message, use, ct).ConfigureAwait(false);

            // Written beside the target then renamed: a failure never leaves half a message behind.
            var temporary = target.FullName + ".partial";
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                await decrypted.WriteToAsync(stream, ct).ConfigureAwait(false);
            }

            File.Move(temporary, target.FullName);
            await stdout.WriteLineAsync($"decrypted {source.Name} -> {target.Name} (escrow key use recorded in the audit log)").ConfigureAwait(false);
            return CliHost.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Check()
    {
        var address = new Argument<string>("ADDRESS") { Description = "The recipient's address." };
        var command = new Command("check", "Show the certificate the relay would encrypt to for ADDRESS, or why none is usable. Exit 1 when none is.");
        command.Arguments.Add(address);
        command.SetAction((parseResult, cancellationToken) => CliHost.RunAsync(parseResult, async (services, stdout, ct) =>
        {
            var value = parseResult.GetValue(address)!;
            if (!MailAddress.TryNormalize(value, out var normalized))
            {
                throw new KeyServiceException(KeyErrorKind.InvalidData, $"'{value}' is not a plain local@domain address.");
            }

            var options = Options(services);
            var directory = CertificateDirectory(options, services);
            var result = await directory.FindAsync(normalized, CertificateUsage.Encryption, ct).ConfigureAwait(false);
            if (result.Selected is { } selected)
            {
                var oaep = SmimeCapabilities.AdvertisedOaep(selected.Certificate);
                await stdout.WriteLineAsync($"usable   {selected.Fingerprint}  expires {selected.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}  key transport {(oaep?.ToString() ?? "Pkcs1")}  {selected.Candidate.Origin}").ConfigureAwait(false);
            }

            foreach (var rejected in result.Rejected)
            {
                await stdout.WriteLineAsync($"rejected {rejected.Fingerprint}  {string.Join("; ", rejected.Problems)}  {rejected.Candidate.Origin}").ConfigureAwait(false);
            }

            if (!result.Found)
            {
                await stdout.WriteLineAsync($"no usable certificate for {normalized}: {result.Reason}").ConfigureAwait(false);
                return CliHost.Failed;
            }

            return CliHost.Success;
        }, cancellationToken));
        return command;
    }

    private static SmimeOptions Options(IServiceProvider services)
    {
        var options = new SmimeOptions();
        services.GetRequiredService<IConfiguration>().GetSection(SmimeOptions.SectionName).Bind(options);
        return options;
    }

    private static ICertificateDirectory CertificateDirectory(SmimeOptions options, IServiceProvider services) =>
        SmimeServices.CreateCertificateDirectory(options.Certificates, TimeProvider.System, services.GetRequiredService<ILoggerFactory>());
}
