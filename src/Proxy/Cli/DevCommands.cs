using System.CommandLine;
using System.Net;
using Sovereignty.Proxy.Identity;
using Sovereignty.Proxy.Smtp.LocalMailbox;

namespace Sovereignty.Proxy.Cli;

/// <summary>
/// <c>sovereignty dev …</c>: helpers for a local gateway only. <c>dev token</c> mints a JWT
/// with a dev key (created on first use under <c>.dev/identity</c>), standing in for the
/// organisation's identity provider. <c>dev mailbox</c> stands in for the cloud provider's
/// mailboxes: the relay's upstream, writing each delivered message to a folder.
/// </summary>
internal static class DevCommands
{
    public static Command Create()
    {
        var sub = new Option<string>("--sub") { Description = "Subject of the token (the user).", Required = true };
        var groups = new Option<string[]>("--groups") { Description = "Groups of the user.", AllowMultipleArgumentsPerToken = true };
        var roles = new Option<string[]>("--roles") { Description = "Roles of the user (auditor, operator: the admin and audit API).", AllowMultipleArgumentsPerToken = true };
        var key = new Option<string>("--key")
        {
            Description = "Dev signing key (PEM, created when missing; its .pub.pem is what serve trusts).",
            DefaultValueFactory = _ => Path.Combine(".dev", "identity", "dev-signing-key.pem"),
        };
        var issuer = new Option<string>("--issuer") { Description = "Token issuer.", DefaultValueFactory = _ => "sovereignty-dev" };
        var audience = new Option<string>("--audience") { Description = "Token audience.", DefaultValueFactory = _ => "sovereignty" };
        var lifetime = new Option<TimeSpan>("--lifetime") { Description = "Token lifetime.", DefaultValueFactory = _ => TimeSpan.FromHours(8) };

        var token = new Command("token", "Print a dev JWT for a local gateway (never for production).")
        {
            sub, groups, roles, key, issuer, audience, lifetime,
        };
        token.SetAction(parseResult =>
        {
            using DevTokenIssuer devIssuer = DevTokenIssuer.LoadOrCreate(parseResult.GetValue(key)!);
            Console.WriteLine(devIssuer.Mint(
                parseResult.GetValue(issuer)!,
                parseResult.GetValue(audience)!,
                parseResult.GetValue(sub)!,
                parseResult.GetValue(groups) ?? [],
                parseResult.GetValue(lifetime),
                DateTimeOffset.UtcNow,
                parseResult.GetValue(roles)));
            return 0;
        });

        return new Command("dev", "Helpers for a local development gateway.") { token, Mailbox() };
    }

    private static Command Mailbox()
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1.", DefaultValueFactory = _ => 2526 };
        var directory = new Option<string>("--directory")
        {
            Description = "Where each received message is written as a .eml file.",
            DefaultValueFactory = _ => Path.Combine(".dev", "mailbox"),
        };
        var mailbox = new Command("mailbox", "Run a local stand-in for the cloud mailboxes (SMTP on 127.0.0.1, one .eml file per message).")
        {
            port, directory,
        };
        mailbox.SetAction((parseResult, cancellationToken) => LocalMailbox.RunAsync(
            new IPEndPoint(IPAddress.Loopback, parseResult.GetValue(port)),
            parseResult.GetValue(directory)!,
            Console.Out,
            cancellationToken));
        return mailbox;
    }
}
