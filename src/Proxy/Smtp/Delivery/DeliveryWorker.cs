using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MimeKit;
using Sovereignty.Proxy.Smtp.Logging;
using Sovereignty.Proxy.Smtp.Spool;

namespace Sovereignty.Proxy.Smtp.Delivery;

/// <summary>
/// Relays spooled messages to the smart host: new messages at once (from
/// <see cref="SpoolNotifications"/>), deferred ones when due (a periodic scan of the spool).
/// Each message is delivered under its <see cref="SpoolLease"/>; a message leaves the spool
/// only after every recipient is delivered or bounced, so a crash at any point means a
/// retry (at-least-once), never a loss.
/// </summary>
public sealed class DeliveryWorker : BackgroundService
{
    private readonly SmtpRelayOptions _options;
    private readonly SpoolStore _spool;
    private readonly SpoolNotifications _notifications;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DeliveryWorker> _logger;
    private readonly Channel<string> _work = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, byte> _queued = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _notBefore = new(StringComparer.Ordinal);

    internal DeliveryWorker(
        IOptions<SmtpRelayOptions> options,
        SpoolStore spool,
        SpoolNotifications notifications,
        TimeProvider timeProvider,
        ILogger<DeliveryWorker> logger)
    {
        _options = options.Value;
        _spool = spool;
        _notifications = notifications;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        _spool.Recover();
        DeliveryLog.WorkerStarted(_logger, _options.Delivery.Workers, _options.Upstream.Host, _options.Upstream.Port, _options.Upstream.Security);
        var loops = new List<Task> { ForwardNotificationsAsync(stoppingToken), ScanAsync(stoppingToken) };
        for (var i = 0; i < _options.Delivery.Workers; i++)
        {
            loops.Add(DeliverLoopAsync(stoppingToken));
        }

        try
        {
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Schedule(string id)
    {
        if (_queued.TryAdd(id, 0))
        {
            _work.Writer.TryWrite(id);
        }
    }

    private async Task ForwardNotificationsAsync(CancellationToken stoppingToken)
    {
        await foreach (var id in _notifications.Reader.ReadAllAsync(stoppingToken))
        {
            Schedule(id);
        }
    }

    private async Task ScanAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = _timeProvider.GetUtcNow();
            foreach (var id in _spool.ListIds())
            {
                if (_notBefore.TryGetValue(id, out var due) && due > now)
                {
                    continue;
                }

                Schedule(id);
            }

            await Task.Delay(_options.Delivery.ScanInterval, _timeProvider, stoppingToken);
        }
    }

    private async Task DeliverLoopAsync(CancellationToken stoppingToken)
    {
        await using var connection = new UpstreamConnection(_options, _timeProvider, _logger);
        await foreach (var id in _work.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await DeliverAsync(id, connection, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                DeliveryLog.DeliveryError(_logger, id, ex);
                _notBefore[id] = _timeProvider.GetUtcNow() + _options.Delivery.InitialRetryDelay;
            }
            finally
            {
                _queued.TryRemove(id, out _);
            }
        }
    }

    private async Task DeliverAsync(string id, UpstreamConnection connection, CancellationToken cancellationToken)
    {
        using var lease = _spool.TryLease(id);
        if (lease is null)
        {
            return; // another worker (or `queue delete`) has it
        }

        SpoolEntry? entry;
        try
        {
            entry = _spool.TryRead(id);
        }
        catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException)
        {
            DeliveryLog.EntryUnreadable(_logger, id, ex);
            _notBefore[id] = DateTimeOffset.MaxValue;
            return;
        }

        if (entry is null)
        {
            _notBefore.TryRemove(id, out _);
            return; // delivered and removed meanwhile
        }

        var now = _timeProvider.GetUtcNow();
        if (entry.State.NextAttemptAt > now)
        {
            _notBefore[id] = entry.State.NextAttemptAt;
            return;
        }

        var envelope = entry.Envelope;
        var pending = entry.State.Recipients.Where(r => r.Status == RecipientStatus.Pending).Select(r => r.Address).ToList();
        IReadOnlyDictionary<string, UpstreamReply> replies = new Dictionary<string, UpstreamReply>();
        if (pending.Count > 0)
        {
            await using var message = _spool.OpenMessage(id);
            replies = await connection.SendAsync(envelope.Sender, pending, message, cancellationToken);
        }

        now = _timeProvider.GetUtcNow();
        var attempt = entry.State.Attempts + 1;
        var expired = false;
        var recipients = entry.State.Recipients.Select(r =>
            r.Status == RecipientStatus.Pending && replies.TryGetValue(r.Address, out var reply)
                ? r with
                {
                    Status = reply.IsSuccess ? RecipientStatus.Delivered : reply.IsPermanent ? RecipientStatus.Failed : RecipientStatus.Pending,
                    LastReply = reply.ToString(),
                }
                : r).ToList();

        if (recipients.Any(r => r.Status == RecipientStatus.Pending) && now >= envelope.ExpiresAt)
        {
            expired = true;
            DeliveryLog.Expired(_logger, id, attempt);
            recipients = recipients.Select(r => r.Status == RecipientStatus.Pending ? r with { Status = RecipientStatus.Failed } : r).ToList();
        }

        var newlyFailed = recipients
            .Where(r => r.Status == RecipientStatus.Failed && entry.State.Recipients.Any(o => o.Address == r.Address && o.Status == RecipientStatus.Pending))
            .ToList();
        foreach (var failed in newlyFailed)
        {
            DeliveryLog.RecipientFailed(_logger, id, failed.LastReply ?? "expired");
        }

        if (newlyFailed.Count > 0)
        {
            await BounceAsync(envelope, newlyFailed, expired, now, cancellationToken);
        }

        var delivered = recipients.Count(r => r.Status == RecipientStatus.Delivered && entry.State.Recipients.Any(o => o.Address == r.Address && o.Status == RecipientStatus.Pending));
        if (delivered > 0)
        {
            DeliveryLog.Delivered(_logger, id, delivered, attempt);
        }

        if (recipients.All(r => r.Status != RecipientStatus.Pending))
        {
            _spool.Remove(lease);
            _notBefore.TryRemove(id, out _);
            return;
        }

        var next = now + RetrySchedule.Delay(attempt, _options.Delivery.InitialRetryDelay, _options.Delivery.MaxRetryDelay);
        if (next > envelope.ExpiresAt)
        {
            next = envelope.ExpiresAt; // the last attempt happens at expiry, then the bounce
        }

        var lastError = recipients.First(r => r.Status == RecipientStatus.Pending).LastReply;
        _spool.SaveState(lease, new DeliveryState { Attempts = attempt, NextAttemptAt = next, LastError = lastError, Recipients = recipients });
        _notBefore[id] = next;
        DeliveryLog.Deferred(_logger, id, attempt, next, lastError ?? "");
    }

    private async Task BounceAsync(SpoolEnvelope original, List<RecipientState> failed, bool expired, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (original.Sender.Length == 0 || original.IsBounce)
        {
            DeliveryLog.BounceNotSent(_logger, original.Id, failed.Count);
            return;
        }

        HeaderList? headers = null;
        await using (var message = _spool.OpenMessage(original.Id))
        {
            try
            {
                headers = await HeaderList.LoadAsync(message, cancellationToken);
            }
            catch (FormatException)
            {
                // Unparseable headers: the DSN goes without them.
            }
        }

        var dsn = DsnBuilder.Build(_options.ServerName, original, failed, headers, expired, now);
        var queued = await _spool.EnqueueAsync(
            sender: "",
            [original.Sender],
            client: "local",
            new ReadOnlySequence<byte>(dsn),
            _options.MessageLifetime,
            isBounce: true,
            cancellationToken);
        DeliveryLog.Bounced(_logger, original.Id, queued.Id, failed.Count);
    }
}
