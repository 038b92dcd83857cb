using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService;
using Sovereignty.KeyService.Audit;
using Sovereignty.Proxy.Audit;
using Sovereignty.Proxy.Hosting;
using StackExchange.Redis;

namespace Sovereignty.Proxy.Cli;

/// <summary>
/// <c>sovereignty audit query|stats|verify|export-key</c>: the auditors' verbs. All read the
/// Redis audit log (<c>Sovereignty:Audit:Redis</c>); none changes it. Exit codes: 0 success
/// (for verify: intact), 1 findings or bad input, 75 Redis or HSM unavailable.
/// </summary>
internal static class AuditCommands
{
    public static Command Create()
    {
        var audit = new Command("audit", "Query the key-usage audit log, compute statistics, verify that it was not tampered with.");
        audit.Options.Add(CliHost.ConfigOption);
        audit.Subcommands.Add(Query());
        audit.Subcommands.Add(Stats());
        audit.Subcommands.Add(Verify());
        audit.Subcommands.Add(ExportKey());
        return audit;
    }

    private static Command Query()
    {
        var key = new Option<string?>("--key") { Description = "Key class, or CLASS:VERSION (e.g. confidential-fr:2).", HelpName = "CLASS[:VERSION]" };
        var actor = new Option<string?>("--actor") { Description = "Who used the key (subject)." };
        var objectId = new Option<string?>("--object") { Description = "Document path or message id." };
        var operation = new Option<string?>("--op") { Description = $"Operation: {string.Join(", ", Enum.GetNames<KeyOperation>())}." };
        var result = new Option<string?>("--result") { Description = "ok, denied or error." };
        var since = new Option<string?>("--since") { Description = "From this time (ISO 8601, UTC by default) or this long ago (90m, 24h, 7d)." };
        var until = new Option<string?>("--until") { Description = "Before this time (same forms as --since)." };
        var node = new Option<string?>("--node") { Description = "Only this node's events." };
        var limit = new Option<int>("--limit") { Description = "At most this many events (1-10000).", DefaultValueFactory = _ => 100 };
        var oldest = new Option<bool>("--oldest-first") { Description = "Oldest first (default: newest first)." };
        var format = FormatOption();
        var command = new Command("query", "List key events matching every given filter (newest first).")
        {
            key, actor, objectId, operation, result, since, until, node, limit, oldest, format,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, async (services, output, ct) =>
        {
            var query = AuditQueryParser.Parse(
                parseResult.GetValue(key), parseResult.GetValue(actor), parseResult.GetValue(objectId), parseResult.GetValue(operation),
                parseResult.GetValue(result), parseResult.GetValue(since), parseResult.GetValue(until), parseResult.GetValue(limit),
                parseResult.GetValue(node), parseResult.GetValue(oldest), DateTimeOffset.UtcNow);
            var records = await services.GetRequiredService<AuditReader>().QueryAsync(query, ct);
            await AuditFormats.WriteAsync(output, records, parseResult.GetRequiredValue(format));
            return CliHost.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Stats()
    {
        var since = new Option<string?>("--since") { Description = "Window start (default: 24h ago).", DefaultValueFactory = _ => "24h" };
        var until = new Option<string?>("--until") { Description = "Window end (default: now)." };
        var baseline = new Option<int>("--baseline-days") { Description = "Prior days forming an actor's usual decrypt volume.", DefaultValueFactory = _ => 14 };
        var factor = new Option<double>("--factor") { Description = "Flag actors above this multiple of their median.", DefaultValueFactory = _ => 3 };
        var minimum = new Option<long>("--minimum") { Description = "Never flag fewer decrypts than this in a day.", DefaultValueFactory = _ => 100 };
        var format = FormatOption();
        var command = new Command("stats", "Key uses per actor per hour, actors who decrypted more than usual (mass-decrypt signal), denied attempts.")
        {
            since, until, baseline, factor, minimum, format,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, async (services, output, ct) =>
        {
            var now = DateTimeOffset.UtcNow;
            var from = AuditQueryParser.ParseTime(parseResult.GetValue(since), now, "since") ?? now.AddHours(-24);
            var to = AuditQueryParser.ParseTime(parseResult.GetValue(until), now, "until") ?? now;
            if (parseResult.GetValue(baseline) is < 1 or > 90)
            {
                throw new FormatException("--baseline-days must be between 1 and 90.");
            }

            var settings = new MassDecryptSettings(parseResult.GetValue(baseline), parseResult.GetValue(factor), parseResult.GetValue(minimum));
            var stats = await services.GetRequiredService<AuditStatisticsReader>().ComputeAsync(from, to, settings, ct);
            await WriteStatsAsync(output, stats, parseResult.GetRequiredValue(format));
            return CliHost.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Verify()
    {
        var node = new Option<string?>("--node") { Description = "Only this node's chain (default: every node)." };
        var since = new Option<string?>("--since") { Description = "Start at the last checkpoint before this time (default: the whole log)." };
        var publicKey = new Option<FileInfo?>("--public-key") { Description = "The audit key's public half (PEM), e.g. from `audit export-key`; default: read it from the HSM." };
        var format = new Option<string>("--format") { Description = "text or json.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("verify", "Check every node's hash chain and signed checkpoints; name the first event modified, inserted, deleted, reordered or cut off.")
        {
            node, since, publicKey, format,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, async (services, output, ct) =>
        {
            var from = AuditQueryParser.ParseTime(parseResult.GetValue(since), DateTimeOffset.UtcNow, "since");
            using var key = await LoadPublicKeyAsync(services, parseResult.GetValue(publicKey), ct);
            var options = services.GetRequiredService<IOptions<AuditOptions>>().Value;
            var verifier = new AuditVerifier(services.GetRequiredService<IConnectionMultiplexer>(), options.KeyPrefix, key);
            var verification = await verifier.VerifyAsync(parseResult.GetValue(node), from, ct);
            if (verification.Nodes.Count == 0)
            {
                throw new KeyServiceException(KeyErrorKind.KeyNotFound, "The audit log has no node (nothing was ever recorded under this key prefix).");
            }

            await output.WriteLineAsync(parseResult.GetValue(format) == "json"
                ? JsonSerializer.Serialize(verification, AuditFormats.Json)
                : AuditFormats.VerificationSummary(verification));
            return verification.Intact ? CliHost.Success : CliHost.Failed;
        }, cancellationToken));
        return command;
    }

    private static Command ExportKey()
    {
        var output = new Option<FileInfo?>("--out") { Description = "Write the PEM here (default: standard output)." };
        var command = new Command("export-key", "Export the public half of the audit checkpoint key (PEM), for verification away from the HSM.") { output };
        command.SetAction((parseResult, cancellationToken) => CliHost.RunAsync(parseResult, async (services, stdout, ct) =>
        {
            var signer = services.GetService<HsmCheckpointSigner>()
                ?? throw new KeyServiceException(KeyErrorKind.Configuration, "Sovereignty:Audit is not configured (Sovereignty:Audit:Redis and the audit key pair).");
            using var key = await signer.GetPublicKeyAsync(ct);
            var pem = key.ExportSubjectPublicKeyInfoPem();
            if (parseResult.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, pem + "\n", ct);
                await stdout.WriteLineAsync($"wrote the audit public key ({signer.KeyId}, RSA-{key.KeySize}) to {file.FullName}");
            }
            else
            {
                await stdout.WriteLineAsync(pem);
            }

            return CliHost.Success;
        }, cancellationToken));
        return command;
    }

    private static Option<string> FormatOption()
    {
        var format = new Option<string>("--format") { Description = "table, json or csv.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json", "csv");
        return format;
    }

    /// <summary>
    /// Runs an audit verb: refuses clearly when the audit log is not configured, and turns
    /// bad filters into exit 1 and an unreachable Redis into exit 75 (retry later).
    /// </summary>
    private static Task<int> RunAsync(ParseResult parseResult, Func<IServiceProvider, TextWriter, CancellationToken, Task<int>> body, CancellationToken cancellationToken) =>
        CliHost.RunAsync(parseResult, async (services, output, ct) =>
        {
            if (services.GetService<AuditReader>() is null)
            {
                throw new KeyServiceException(KeyErrorKind.Configuration, "The audit log is not configured: set Sovereignty:Audit:Redis (and NodeId) in the settings.");
            }

            try
            {
                return await body(services, output, ct);
            }
            catch (FormatException ex)
            {
                throw new KeyServiceException(KeyErrorKind.InvalidData, ex.Message, ex);
            }
            catch (ArgumentException ex)
            {
                throw new KeyServiceException(KeyErrorKind.InvalidData, ex.Message, ex);
            }
            catch (RedisException ex)
            {
                throw new KeyServiceException(KeyErrorKind.Unavailable, $"The audit log (Redis) is unavailable: {ex.Message}", ex);
            }
        }, cancellationToken);

    private static async Task<RSA> LoadPublicKeyAsync(IServiceProvider services, FileInfo? pem, CancellationToken cancellationToken)
    {
        if (pem is not null)
        {
            if (!pem.Exists)
            {
                throw new KeyServiceException(KeyErrorKind.Configuration, $"Public key file '{pem.FullName}' does not exist.");
            }

            var rsa = RSA.Create();
            try
            {
                rsa.ImportFromPem(await File.ReadAllTextAsync(pem.FullName, cancellationToken));
            }
            catch (ArgumentException ex)
            {
                rsa.Dispose();
                throw new KeyServiceException(KeyErrorKind.InvalidData, $"'{pem.FullName}' holds no RSA public key in PEM form.", ex);
            }

            return rsa;
        }

        return await services.GetRequiredService<HsmCheckpointSigner>().GetPublicKeyAsync(cancellationToken);
    }

    private static async Task WriteStatsAsync(TextWriter output, AuditStatistics stats, string format)
    {
        if (format == "json")
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(stats, AuditFormats.Json));
            return;
        }

        if (format == "csv")
        {
            await output.WriteLineAsync("section,actor,time,count,baseline_median");
            foreach (var u in stats.UsesPerActorHour)
            {
                await output.WriteLineAsync(string.Join(',', "uses-per-hour", AuditFormats.Csv(u.Actor), AuditFormats.Time(u.Hour), L(u.Count), ""));
            }

            foreach (var m in stats.MassDecrypt)
            {
                await output.WriteLineAsync(string.Join(',', "mass-decrypt", AuditFormats.Csv(m.Actor), m.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), L(m.Count), m.BaselineMedian.ToString(CultureInfo.InvariantCulture)));
            }

            foreach (var d in stats.Denied)
            {
                await output.WriteLineAsync(string.Join(',', "denied", AuditFormats.Csv(d.Actor), AuditFormats.Time(d.Latest), L(d.Count), ""));
            }

            return;
        }

        await output.WriteLineAsync($"Window {AuditFormats.Time(stats.Since)} to {AuditFormats.Time(stats.Until)}");
        await output.WriteLineAsync();
        await output.WriteLineAsync("Key uses per actor per hour");
        await AuditFormats.WriteTableAsync(output, [["HOUR", "ACTOR", "EVENTS"], .. stats.UsesPerActorHour.Select(u => new[] { AuditFormats.Time(u.Hour), u.Actor, L(u.Count) })]);
        await output.WriteLineAsync();
        await output.WriteLineAsync("Mass-decrypt signal (unwraps/decrypts today vs the actor's median day)");
        await AuditFormats.WriteTableAsync(output, stats.MassDecrypt.Count == 0
            ? [["(none)"]]
            : [["DAY", "ACTOR", "DECRYPTS", "MEDIAN"], .. stats.MassDecrypt.Select(m => new[] { m.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), m.Actor, L(m.Count), m.BaselineMedian.ToString(CultureInfo.InvariantCulture) })]);
        await output.WriteLineAsync();
        await output.WriteLineAsync("Denied attempts");
        await AuditFormats.WriteTableAsync(output, stats.Denied.Count == 0
            ? [["(none)"]]
            : [["ACTOR", "DENIED", "LATEST"], .. stats.Denied.Select(d => new[] { d.Actor, L(d.Count), AuditFormats.Time(d.Latest) })]);
    }

    private static string L(long value) => value.ToString(CultureInfo.InvariantCulture);
}
