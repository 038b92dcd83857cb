using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Sovereignty.KeyService;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Smime.Enrolment;
using Sovereignty.Proxy.Hosting;

namespace Sovereignty.Proxy.Cli;

/// <summary>
/// <c>sovereignty smime csr KEY-PAIR --subject DN [--email A] [--purpose signing|encryption] [--output F]</c>:
/// a PKCS#10 request for the organisation's CA, signed by the HSM key pair (one audited key use).
/// </summary>
internal static partial class SmimeCommands
{
    private static Command Csr()
    {
        var keyPair = new Argument<string>("KEY-PAIR") { Description = "The key pair in Sovereignty:Hsm:KeyPairs (e.g. smime-signing, smime-escrow)." };
        var subject = new Option<string>("--subject") { Description = "Distinguished name to certify, e.g. \"CN=Passerelle S/MIME, O=La Poste, C=FR\".", Required = true };
        var email = new Option<string?>("--email") { Description = "Address for the subject alternative name (what mail clients match on)." };
        var purpose = new Option<SmimeKeyPurpose?>("--purpose") { Description = "signing or encryption; default: signing for the configured signing key pair, encryption for the escrow key pair." };
        var output = new Option<FileInfo?>("--output") { Description = "Write the PEM request here (must not exist) instead of standard output." };
        var command = new Command("csr", "Create a certificate request for the gateway's signing or escrow key; the HSM signs it, the private key never leaves it.")
        {
            keyPair, subject, email, purpose, output,
        };
        command.SetAction((parseResult, cancellationToken) => CliHost.RunAsync(parseResult, async (services, stdout, ct) =>
        {
            var name = parseResult.GetValue(keyPair)!;
            var target = parseResult.GetValue(output);
            if (target is { Exists: true })
            {
                throw new KeyServiceException(KeyErrorKind.InvalidData, $"Output file '{target.FullName}' already exists.");
            }

            X500DistinguishedName distinguishedName;
            try
            {
                distinguishedName = new X500DistinguishedName(parseResult.GetValue(subject)!);
            }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                throw new KeyServiceException(KeyErrorKind.InvalidData, $"--subject is not a distinguished name: {ex.Message}", ex);
            }

            var options = Options(services);
            var chosenPurpose = parseResult.GetValue(purpose)
                ?? (name == options.EscrowKeyPair ? SmimeKeyPurpose.Encryption : SmimeKeyPurpose.Signing);
            var pem = await SmimeCertificateRequest.CreatePemAsync(
                services.GetRequiredService<IKeyPairRing>(),
                name,
                distinguishedName,
                parseResult.GetValue(email),
                chosenPurpose,
                KeyUse.Cli("smime csr"),
                ct).ConfigureAwait(false);

            if (target is null)
            {
                await stdout.WriteAsync(pem).ConfigureAwait(false);
            }
            else
            {
                await File.WriteAllTextAsync(target.FullName, pem, ct).ConfigureAwait(false);
                await stdout.WriteLineAsync($"certificate request for key pair {name} ({chosenPurpose}) -> {target.Name}").ConfigureAwait(false);
            }

            return CliHost.Success;
        }, cancellationToken));
        return command;
    }
}
