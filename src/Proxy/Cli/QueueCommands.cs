using System.CommandLine;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Sovereignty.Proxy.Smtp;
using Sovereignty.Proxy.Smtp.Hosting;
using Sovereignty.Proxy.Smtp.Spool;

namespace Sovereignty.Proxy.Cli;

/// <summary>
/// <c>sovereignty queue list|show|retry|delete</c>: the operators' view of the SMTP spool.
/// The spool is <c>--spool DIR</c>, else <c>Sovereignty:Smtp:SpoolDirectory</c> from
/// <c>appsettings.json</c> in the current directory or the environment
/// (<c>Sovereignty__Smtp__SpoolDirectory</c>).
/// </summary>
/// <remarks>
/// Exit codes: 0 done; 1 error (no spool, unreadable entry, bad arguments); 3 no such
/// message; 4 the message is being delivered right now (retry later). Errors are one line
/// on standard error. <c>show</c> prints headers only unless <c>--body</c> is given: the
/// body may be protected content.
/// </remarks>
internal static class QueueCommands
{
    public const int ExitOk = 0;
    public const int ExitError = 1;
    public const int ExitNotFound = 3;
    public const int ExitBusy = 4;

    public static Command Create()
    {
        var spoolOption = new Option<string?>("--spool")
        {
            Description = "Spool directory (default: Sovereignty:Smtp:SpoolDirectory from appsettings.json or the environment).",
            Recursive = true,
        };

        var queue = new Command("queue", "Inspect and manage the SMTP relay's spool.");
        queue.Options.Add(spoolOption);
        queue.Subcommands.Add(CreateList(spoolOption));
        queue.Subcommands.Add(CreateShow(spoolOption));
        queue.Subcommands.Add(CreateRetry(spoolOption));
        queue.Subcommands.Add(CreateDelete(spoolOption));
        queue.Subcommands.Add(CreateRelayHost());
        return queue;
    }

    private static Command CreateList(Option<string?> spoolOption)
    {
        var list = new Command("list", "List queued messages, oldest first.");
        list.SetAction(parse => Run(parse, spoolOption, (spool, output) =>
        {
            var ids = spool.ListIds();
            output.WriteLine("QUEUE-ID              CREATED (UTC)         ATTEMPTS  NEXT ATTEMPT (UTC)    SIZE      RCPTS  LAST ERROR");
            foreach (var id in ids)
            {
                var entry = spool.TryRead(id);
                if (entry is null)
                {
                    continue; // delivered while listing
                }

                var pending = entry.State.Recipients.Count(r => r.Status == RecipientStatus.Pending);
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{id,-21} {entry.Envelope.CreatedAt.UtcDateTime,-21:yyyy-MM-dd HH:mm:ss} {entry.State.Attempts,-9} {entry.State.NextAttemptAt.UtcDateTime,-21:yyyy-MM-dd HH:mm:ss} {entry.Envelope.Size,-9} {pending,-6} {entry.State.LastError ?? "-"}"));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ids.Count} message(s)"));
            return ExitOk;
        }));
        return list;
    }

    private static Command CreateShow(Option<string?> spoolOption)
    {
        var id = new Argument<string>("id") { Description = "Queue id (as printed by `queue list` and in the 250 reply)." };
        var body = new Option<bool>("--body") { Description = "Also print the message body (it may be protected content)." };
        var show = new Command("show", "Show a queued message's envelope, delivery state and headers.") { id, body };
        show.SetAction(parse => Run(parse, spoolOption, (spool, output) =>
        {
            var queueId = parse.GetRequiredValue(id);
            if (Find(spool, queueId, parse) is not { } entry)
            {
                return ExitNotFound;
            }

            var envelope = entry.Envelope;
            output.WriteLine($"Queue-ID:      {envelope.Id}");
            output.WriteLine($"Message-ID:    {envelope.MessageId ?? "-"}");
            output.WriteLine($"Sender:        <{envelope.Sender}>");
            output.WriteLine($"Client:        {envelope.Client}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Created:       {envelope.CreatedAt:O}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Expires:       {envelope.ExpiresAt:O}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Size:          {envelope.Size}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Attempts:      {entry.State.Attempts}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Next attempt:  {entry.State.NextAttemptAt:O}"));
            output.WriteLine($"Last error:    {entry.State.LastError ?? "-"}");
            output.WriteLine($"DSN:           {(envelope.IsBounce ? "yes" : "no")}");
            foreach (var recipient in entry.State.Recipients)
            {
                output.WriteLine($"Recipient:     <{recipient.Address}> {recipient.Status.ToString().ToLowerInvariant()}{(recipient.LastReply is null ? "" : " (" + recipient.LastReply + ")")}");
            }

            output.WriteLine();
            using var message = spool.OpenMessage(queueId);
            using var reader = new StreamReader(message, Encoding.UTF8);
            var showBody = parse.GetValue(body);
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                if (line.Length == 0 && !showBody)
                {
                    output.WriteLine("[body not shown; use --body]");
                    break;
                }

                output.WriteLine(line);
            }

            return ExitOk;
        }));
        return show;
    }

    private static Command CreateRetry(Option<string?> spoolOption)
    {
        var id = new Argument<string>("id") { Description = "Queue id." };
        var retry = new Command("retry", "Make a deferred message due now (the relay's next scan sends it).") { id };
        retry.SetAction(parse => Run(parse, spoolOption, (spool, output) =>
        {
            var queueId = parse.GetRequiredValue(id);
            return WithLease(spool, queueId, parse, (lease, entry) =>
            {
                spool.SaveState(lease, entry.State with { NextAttemptAt = DateTimeOffset.UtcNow });
                output.WriteLine($"{queueId}: due now");
            });
        }));
        return retry;
    }

    private static Command CreateDelete(Option<string?> spoolOption)
    {
        var id = new Argument<string>("id") { Description = "Queue id." };
        var delete = new Command("delete", "Delete a queued message without delivering or bouncing it.") { id };
        delete.SetAction(parse => Run(parse, spoolOption, (spool, output) =>
        {
            var queueId = parse.GetRequiredValue(id);
            return WithLease(spool, queueId, parse, (lease, _) =>
            {
                spool.Remove(lease);
                output.WriteLine($"{queueId}: deleted");
            });
        }));
        return delete;
    }

    private static int WithLease(SpoolStore spool, string id, ParseResult parse, Action<SpoolLease, SpoolEntry> action)
    {
        if (Find(spool, id, parse) is null)
        {
            return ExitNotFound;
        }

        using var lease = spool.TryLease(id);
        if (lease is null)
        {
            Fail(parse, $"{id} is being delivered right now; try again in a moment");
            return ExitBusy;
        }

        // Re-read under the lease: the message may have been delivered meanwhile.
        if (Find(spool, id, parse) is not { } entry)
        {
            return ExitNotFound;
        }

        action(lease, entry);
        return ExitOk;
    }

    private static SpoolEntry? Find(SpoolStore spool, string id, ParseResult parse)
    {
        if (!QueueId.IsValid(id))
        {
            Fail(parse, $"'{id}' is not a queue id (20 lowercase hex digits)");
            return null;
        }

        var entry = spool.TryRead(id);
        if (entry is null)
        {
            Fail(parse, $"no message {id} in {spool.Directory}");
        }

        return entry;
    }

    private static int Run(ParseResult parse, Option<string?> spoolOption, Func<SpoolStore, TextWriter, int> action)
    {
        try
        {
            var directory = parse.GetValue(spoolOption) ?? SpoolDirectoryFromConfiguration();
            if (string.IsNullOrWhiteSpace(directory))
            {
                Fail(parse, $"no spool directory: pass --spool DIR or set {SmtpRelayOptions.SectionName}:SpoolDirectory");
                return ExitError;
            }

            var spool = new SpoolStore(directory, TimeProvider.System);
            if (!spool.Exists)
            {
                Fail(parse, $"{spool.Directory} is not a spool (no queue/ directory)");
                return ExitError;
            }

            return action(spool, parse.InvocationConfiguration.Output);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or System.Text.Json.JsonException)
        {
            Fail(parse, ex.Message);
            return ExitError;
        }
    }

    private static string? SpoolDirectoryFromConfiguration()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Environment.CurrentDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .Build();
        var options = new SmtpRelayOptions();
        configuration.GetSection(SmtpRelayOptions.SectionName).Bind(options);
        return string.IsNullOrWhiteSpace(options.SpoolDirectory) ? null : options.SpoolDirectory;
    }

    private static void Fail(ParseResult parse, string message) =>
        parse.InvocationConfiguration.Error.WriteLine("sovereignty queue: " + message.ReplaceLineEndings(" "));

    /// <summary>
    /// Hidden <c>queue relay --config FILE</c>: runs the relay alone (listener, spool,
    /// delivery) for the crash-recovery test and the benchmark, until <c>serve</c> hosts it.
    /// </summary>
    private static Command CreateRelayHost()
    {
        var config = new Option<string>("--config") { Description = "JSON configuration file with a Sovereignty:Smtp section.", Required = true };
        var relay = new Command("relay", "Run the SMTP relay alone (tests and benchmarks).") { config };
        relay.Hidden = true;
        relay.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await StandaloneRelayHost.RunAsync(parse.GetRequiredValue(config), parse.InvocationConfiguration.Output, cancellationToken);
            }
            catch (Exception ex) when (ex is OptionsValidationException or IOException or InvalidDataException)
            {
                Fail(parse, ex.Message);
                return ExitError;
            }
        });
        return relay;
    }
}
