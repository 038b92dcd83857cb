using System.CommandLine;
using System.Globalization;
using Sovereignty.KeyService.Keys;
using Sovereignty.Proxy.Hosting;

namespace Sovereignty.Proxy.Cli;

/// <summary>
/// <c>sovereignty keys init|list|rotate|shred</c>: the operators' key lifecycle. Every change
/// is recorded in the key event log; shredding needs an explicit confirmation.
/// </summary>
internal static class KeysCommands
{
    public static Command Create(CliConsole? console = null)
    {
        console ??= CliConsole.System;
        var keys = new Command("keys", "Create, list, rotate and shred the HSM keys of the configured key classes.");
        keys.Options.Add(CliHost.ConfigOption);
        keys.Subcommands.Add(Init());
        keys.Subcommands.Add(List());
        keys.Subcommands.Add(Rotate());
        keys.Subcommands.Add(Shred(console));
        return keys;
    }

    private static Command Init()
    {
        var command = new Command("init", "Create version 1 of every key class (and every key pair) that has no key yet. Idempotent.");
        command.SetAction((parseResult, cancellationToken) => CliHost.RunAsync(parseResult, async (services, output, ct) =>
        {
            var manager = services.GetRequiredService<KeyManager>();
            foreach (var result in await manager.InitAsync(KeyUse.Cli("keys init"), ct).ConfigureAwait(false))
            {
                var state = result.Created ? "created" : "exists ";
                var key = result.Primary is { } primary ? $"v{primary.Version} ({primary.KeyId})" : "no usable version: every version was shredded; run `keys rotate`";
                await output.WriteLineAsync($"{state} {result.Name} {key}").ConfigureAwait(false);
            }

            return CliHost.Success;
        }, cancellationToken));
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List key classes and key pairs: provider, residency, versions and the primary version.");
        command.SetAction((parseResult, cancellationToken) => CliHost.RunAsync(parseResult, async (services, output, ct) =>
        {
            var statuses = await services.GetRequiredService<KeyManager>().ListAsync(ct).ConfigureAwait(false);
            var rows = statuses.Select(s => new[]
            {
                s.Name,
                s.Kind == KeyKind.Kek ? "aes-kek" : "rsa-pair",
                s.Provider,
                s.Residency,
                s.Primary is { } p ? $"v{p}" : "-",
                s.Versions.Count == 0 ? "(none: run keys init)" : string.Join(' ', s.Versions.Select(v => v.Destroyed ? $"v{v.Version}(shredded)" : $"v{v.Version}")),
            }).Prepend(["CLASS", "KIND", "PROVIDER", "RESIDENCY", "PRIMARY", "VERSIONS"]).ToList();
            var widths = Enumerable.Range(0, 6).Select(i => rows.Max(r => r[i].Length)).ToArray();
            foreach (var row in rows)
            {
                await output.WriteLineAsync(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd()).ConfigureAwait(false);
            }

            return CliHost.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Rotate()
    {
        var keyClass = new Option<string>("--class") { Description = "The key class to rotate.", Required = true };
        var command = new Command("rotate", "Create a new version of a key class; it becomes the primary for new data. Older versions still decrypt.");
        command.Options.Add(keyClass);
        command.SetAction((parseResult, cancellationToken) => CliHost.RunAsync(parseResult, async (services, output, ct) =>
        {
            var name = parseResult.GetRequiredValue(keyClass);
            var key = await services.GetRequiredService<KeyManager>().RotateAsync(name, KeyUse.Cli("keys rotate"), ct).ConfigureAwait(false);
            await output.WriteLineAsync($"rotated {name}: v{key.Version} ({key.KeyId}) is now the primary version").ConfigureAwait(false);
            return CliHost.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Shred(CliConsole console)
    {
        var keyClass = new Option<string>("--class") { Description = "The key class.", Required = true };
        var version = new Option<int>("--version") { Description = "The version to destroy.", Required = true };
        var confirmation = new Option<string?>("--yes-destroy-data")
        {
            Description = "Confirms the destruction without a prompt: must be CLASS:vN, e.g. confidential-fr:v1.",
            HelpName = "CLASS:vN",
        };
        var command = new Command("shred", "Destroy one key version in the HSM. Everything encrypted under it becomes unrecoverable.");
        command.Options.Add(keyClass);
        command.Options.Add(version);
        command.Options.Add(confirmation);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var name = parseResult.GetRequiredValue(keyClass);
            var number = parseResult.GetRequiredValue(version);
            var expected = $"{name}:v{number.ToString(CultureInfo.InvariantCulture)}";
            var error = parseResult.InvocationConfiguration.Error;
            var given = parseResult.GetValue(confirmation);
            if (given is null)
            {
                if (!console.IsInteractive)
                {
                    await error.WriteLineAsync($"sovereignty {CliHost.CommandPath(parseResult)}: refusing to destroy {expected} without confirmation; pass --yes-destroy-data {expected}").ConfigureAwait(false);
                    return CliHost.Refused;
                }

                await error.WriteAsync($"This destroys key {expected} in the HSM: all data encrypted under it becomes unrecoverable.{Environment.NewLine}Type {expected} to confirm: ").ConfigureAwait(false);
                given = (await console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false))?.Trim();
            }

            if (!string.Equals(given, expected, StringComparison.Ordinal))
            {
                await error.WriteLineAsync($"sovereignty {CliHost.CommandPath(parseResult)}: confirmation '{given}' does not match {expected}; nothing was destroyed").ConfigureAwait(false);
                return CliHost.Refused;
            }

            return await CliHost.RunAsync(parseResult, async (services, output, ct) =>
            {
                var destroyed = await services.GetRequiredService<KeyManager>().ShredAsync(name, number, KeyUse.Cli("keys shred"), ct).ConfigureAwait(false);
                await output.WriteLineAsync(destroyed == 0
                    ? $"{expected} was already shredded: 0 keys destroyed"
                    : $"shredded {expected}: {destroyed} key{(destroyed == 1 ? "" : "s")} destroyed; data encrypted under it is now unrecoverable").ConfigureAwait(false);
                return CliHost.Success;
            }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}

/// <summary>Where the CLI reads confirmations from, and whether a person is there to type them.</summary>
/// <param name="In">Input for prompts.</param>
/// <param name="IsInteractive">True when stdin is a terminal.</param>
internal sealed record CliConsole(TextReader In, bool IsInteractive)
{
    public static CliConsole System => new(Console.In, !Console.IsInputRedirected);
}
