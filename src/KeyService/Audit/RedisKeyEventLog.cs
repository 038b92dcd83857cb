using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Sovereignty.KeyService.Audit;

/// <summary>
/// The audit log in Redis Streams. Callers queue their event and wait; one writer loop per
/// node takes what is queued, numbers and chains it, appends the batch (events, indexes,
/// counters, head) in one atomic script call, and only then completes each caller; it
/// prepares the next batch while Redis runs the previous one (two in flight at most). A
/// failure fails every caller of the batch with a retryable <see cref="KeyServiceException"/>
/// (or, when the journal is enabled, parks the batch in the local journal). The journal,
/// the head recovery and the checkpoints are in the other <c>RedisKeyEventLog.*.cs</c> files.
/// </summary>
internal sealed partial class RedisKeyEventLog : IKeyEventLog, IAsyncDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly AuditOptions _options;
    private readonly ICheckpointSigner _signer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AuditKeys _keys;
    private readonly AuditRetention _retention;
    private readonly Channel<PendingEvent> _queue;
    private readonly AuditJournal? _journal;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;
    private readonly Task _trimmer;

    private int _disposed;

    // The batch sent to Redis and not yet answered, and whether a batch it may be chained to
    // failed since the head was last read: touched only by the writer loop.
    private InFlightBatch? _inFlight;
    private bool _predecessorFailed;

    // Chain state: touched only by the writer loop.
    private bool _headKnown;
    private long _headSequence;
    private string _headHash = AuditRecordCodec.GenesisHash;
    private long _headMilliseconds;
    private DateTimeOffset _headTime;
    private long _checkpointNumber;
    private string _checkpointSignature = "";
    private long _unsignedCount;
    private long _unsignedFirstSequence;
    private DateTimeOffset _unsignedFirstTime;
    private DateTimeOffset _lastCheckpointAt;
    private DateTimeOffset _nextCheckpointAttempt;

    public RedisKeyEventLog(IConnectionMultiplexer redis, IOptions<AuditOptions> options, ICheckpointSigner signer, TimeProvider timeProvider, ILogger<RedisKeyEventLog> logger)
    {
        _redis = redis;
        _options = options.Value;
        _signer = signer;
        _time = timeProvider;
        _logger = logger;
        _keys = new AuditKeys(_options.KeyPrefix, _options.NodeId);
        _retention = new AuditRetention(redis, _options.KeyPrefix);
        _queue = Channel.CreateBounded<PendingEvent>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
        });
        if (_options.Journal.Enabled)
        {
            _journal = new AuditJournal(_options.Journal.Path!, _options.Journal.MaxBytes);
        }

        _lastCheckpointAt = _time.GetUtcNow();
        _writer = Task.Run(WriteLoopAsync);
        _trimmer = Task.Run(TrimLoopAsync);
    }

    /// <summary>This node's id.</summary>
    public string Node => _options.NodeId;

    /// <summary>Events waiting in the local journal (0 when Redis is healthy).</summary>
    public int JournaledCount => _journal?.Entries.Count ?? 0;

    public async ValueTask RecordAsync(KeyEvent keyEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyEvent);
        ArgumentException.ThrowIfNullOrEmpty(keyEvent.KeyClass);
        var pending = new PendingEvent(keyEvent);
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken);
        }
        catch (ChannelClosedException ex)
        {
            throw new KeyServiceException(KeyErrorKind.Unavailable, "The audit log is shutting down.", ex);
        }

        // Once queued, the event may be recorded even if the caller gives up: a record
        // without a key use is harmless, a key use without a record is not.
        await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // DI may dispose it twice (as itself and as IKeyEventLog).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _writer;
        await _stopping.CancelAsync();
        try
        {
            await _trimmer;
        }
        catch (OperationCanceledException)
        {
        }

        _journal?.Dispose();
        _stopping.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        while (true)
        {
            if (!reader.TryPeek(out _))
            {
                // Nothing more to send: answer the batch in flight before waiting.
                await DrainAsync();
                var wait = reader.WaitToReadAsync().AsTask();
                var timeout = NextTimerDue();
                if (timeout is { } due)
                {
                    // The timer is cancelled as soon as an event arrives: under load this wait
                    // ends hundreds of times a second, and each abandoned delay would stay
                    // queued (up to CheckpointInterval) as a live timer.
                    using var timer = new CancellationTokenSource();
                    var delay = Task.Delay(due, _time, timer.Token);
                    await Task.WhenAny(wait, delay);
                    await timer.CancelAsync();
                }
                else
                {
                    await wait;
                }

                if (wait.IsCompletedSuccessfully && !wait.Result)
                {
                    await DrainAsync();
                    await FlushJournalAsync();
                    await CheckpointAsync(force: true);
                    return;
                }
            }

            // A new list each time: the previous one may still be in flight.
            var batch = new List<PendingEvent>(Math.Min(_options.MaxBatch, reader.Count));
            while (batch.Count < _options.MaxBatch && reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            await FlushJournalAsync();
            if (batch.Count > 0)
            {
                await AppendAsync(batch);
            }

            await CheckpointAsync(force: false);
        }
    }

    private TimeSpan? NextTimerDue()
    {
        if (_journal is { Entries.Count: > 0 })
        {
            return _options.Journal.RetryInterval;
        }

        if (_unsignedCount > 0)
        {
            var due = _lastCheckpointAt + _options.CheckpointInterval - _time.GetUtcNow();
            return due > TimeSpan.Zero ? due : TimeSpan.FromMilliseconds(1);
        }

        return null;
    }

    /// <summary>
    /// Chains <paramref name="batch"/> after the in-memory head and sends its script call
    /// without waiting, then completes the batch sent before it. Two batches are in flight at
    /// most: while Redis runs one script, this node numbers, hashes and encodes the next. Order
    /// is kept because both go down the one multiplexer connection in sequence and each
    /// script checks the stored head it was chained to; no caller is answered before its own
    /// batch is acknowledged.
    /// </summary>
    private async Task AppendAsync(List<PendingEvent> batch)
    {
        if (!_headKnown || _journal is { Entries.Count: > 0 })
        {
            // Unusual states (after a failure, during an outage) run one batch at a time.
            await DrainAsync();
        }

        if (!_headKnown && !await TryLoadHeadAsync())
        {
            Fail(batch, new KeyServiceException(KeyErrorKind.Unavailable, "The audit log (Redis) is unavailable: the key operation was not performed."));
            return;
        }

        var records = Chain(batch);
        if (_journal is { Entries.Count: > 0 })
        {
            Journal(batch, records);
            return;
        }

        Task write;
        try
        {
            write = WriteAsync(records, _headSequence);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            write = Task.FromException(ex);
        }

        // The next batch chains after this one; if this one fails, the head is re-read (or
        // the batch journaled) before anything else is chained.
        Commit(records);
        var previous = _inFlight;
        _inFlight = new InFlightBatch(batch, records, write);
        if (previous is not null)
        {
            await FinishAsync(previous);
        }
    }

    /// <summary>Waits for the batch still in flight, if any, and answers its callers.</summary>
    private async Task DrainAsync()
    {
        if (_inFlight is { } pending)
        {
            _inFlight = null;
            await FinishAsync(pending);
        }
    }

    private async Task FinishAsync(InFlightBatch sent)
    {
        var batch = sent.Batch;
        try
        {
            await sent.Write;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            if (_predecessorFailed)
            {
                // Chained to a batch that was refused: it cannot be journaled or retried as is.
                FailSent(batch, new KeyServiceException(KeyErrorKind.Unavailable, "The audit log (Redis) is unavailable: the key operation was not performed.", ex));
                return;
            }

            if (_journal is { Entries.Count: > 0 })
            {
                // The batch before this one went to the journal: this one is chained to it.
                JournalSent(batch, sent.Records);
                return;
            }

            if (ex is RedisServerException chain && chain.Message.StartsWith("AUDITSEQ", StringComparison.Ordinal))
            {
                AuditLog.ChainConflict(_logger, Node, chain.Message);
                FailSent(batch, new KeyServiceException(KeyErrorKind.Unavailable, "The audit chain head changed under this node; the key operation was not performed.", ex));
                return;
            }

            if (_journal is not null)
            {
                JournalSent(batch, sent.Records);
                return;
            }

            AuditLog.WriteFailed(_logger, Node, batch.Count, ex);
            FailSent(batch, new KeyServiceException(KeyErrorKind.Unavailable, "The audit log (Redis) is unavailable: the key operation was not performed.", ex));
            return;
        }

        if (_options.WaitForReplicas > 0 && !await ReplicasAcknowledgedAsync())
        {
            Fail(batch, new KeyServiceException(KeyErrorKind.Unavailable, $"The audit events were not acknowledged by {_options.WaitForReplicas} Redis replica(s) in time."));
            return;
        }

        foreach (var pending in batch)
        {
            pending.Completion.TrySetResult();
        }
    }

    private List<AuditRecord> Chain(List<PendingEvent> batch)
    {
        var records = new List<AuditRecord>(batch.Count);
        var sequence = _headSequence;
        var previous = _headHash;
        var milliseconds = _headMilliseconds;
        foreach (var pending in batch)
        {
            var now = _time.GetUtcNow();
            sequence++;

            // Stream ids must grow; the clock may not. The id's time part never goes back.
            milliseconds = Math.Max(milliseconds, now.ToUnixTimeMilliseconds());
            var record = AuditRecordCodec.Create(pending.Event, Node, sequence, now, previous, milliseconds);
            records.Add(record);
            previous = record.Hash;
        }

        return records;
    }

    /// <summary>Sends the batch's script call; the returned task completes when Redis has answered.</summary>
    private Task<RedisResult> WriteAsync(IReadOnlyList<AuditRecord> records, long expectedSequence)
    {
        var ttl = _options.Retention == TimeSpan.Zero ? 0 : (long)(_options.Retention + TimeSpan.FromDays(2)).TotalSeconds;
        EnsureConnected();
        var (keys, args) = AppendScript.Build(_keys, records, expectedSequence, ttl);
        return _redis.GetDatabase().ScriptEvaluateAsync(AppendScript.Lua, keys, args);
    }

    private void Commit(List<AuditRecord> records)
    {
        var last = records[^1];
        if (_unsignedCount == 0)
        {
            _unsignedFirstSequence = records[0].Sequence;
            _unsignedFirstTime = records[0].Timestamp;
        }

        _unsignedCount += records.Count;
        _headSequence = last.Sequence;
        _headHash = last.Hash;
        _headMilliseconds = AppendScript.StreamMilliseconds(last.StreamId);
        _headTime = last.Timestamp;
    }

    /// <summary>
    /// Fails a sent batch. The in-memory head already covers it and the script may or may not
    /// have run, so the head is read again before anything else is chained, and a batch sent
    /// after it (chained to it) fails too unless Redis accepted it.
    /// </summary>
    private void FailSent(List<PendingEvent> batch, KeyServiceException exception)
    {
        _headKnown = false;
        _predecessorFailed = true;
        Fail(batch, exception);
    }

    private static void Complete(List<PendingEvent> batch)
    {
        foreach (var pending in batch)
        {
            pending.Completion.TrySetResult();
        }
    }

    private async Task<bool> ReplicasAcknowledgedAsync()
    {
        try
        {
            var acknowledged = await _redis.GetDatabase().ExecuteAsync("WAIT", _options.WaitForReplicas, (long)_options.ReplicaTimeout.TotalMilliseconds);
            return (long)acknowledged >= _options.WaitForReplicas;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            return false;
        }
    }

    private async Task TrimLoopAsync()
    {
        if (_options.Retention == TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), _time);
        while (await timer.WaitForNextTickAsync(_stopping.Token))
        {
            try
            {
                var trimmedTo = await _retention.TrimAsync(Node, _time.GetUtcNow() - _options.Retention, _stopping.Token);
                if (trimmedTo is not null)
                {
                    AuditLog.Trimmed(_logger, Node, trimmedTo);
                }
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                AuditLog.TrimFailed(_logger, Node, ex);
            }
        }
    }

    /// <summary>
    /// Fails at once while the multiplexer has no connection, instead of letting commands wait
    /// in its backlog until they time out: key operations fail closed (or journal) without delay.
    /// </summary>
    private void EnsureConnected()
    {
        if (!_redis.IsConnected)
        {
            throw new RedisException("Not connected to the audit Redis.");
        }
    }

    private static void Fail(List<PendingEvent> batch, KeyServiceException exception)
    {
        foreach (var pending in batch)
        {
            pending.Completion.TrySetException(exception);
        }
    }

    internal static bool IsRedisFailure(Exception ex) =>
        ex is RedisException or TimeoutException or ObjectDisposedException or InvalidOperationException;

    /// <summary>The stored fields of an event or checkpoint entry (an event's packed field unpacked).</summary>
    internal static List<KeyValuePair<string, string>> ToPairs(StreamEntry entry) => StoredEventEntry.Fields(entry);

    private sealed record InFlightBatch(List<PendingEvent> Batch, List<AuditRecord> Records, Task Write);

    private sealed class PendingEvent(KeyEvent keyEvent)
    {
        public KeyEvent Event { get; } = keyEvent;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
