using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Sovereignty.Proxy.Smtp.Logging;

namespace Sovereignty.Proxy.Smtp.Spool;

/// <summary>
/// The durable spool: accepted messages on local disk until the upstream has them.
/// Layout and crash-safety argument: docs/smtp-relay.md, "Spool".
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>queue/ID.msg</c> — one line of JSON envelope, then the message bytes. Its
/// existence <em>is</em> acceptance: written to <c>tmp/</c>, fsync'd, renamed into
/// <c>queue/</c>, and <c>queue/</c> fsync'd before the client gets <c>250</c>.</item>
/// <item><c>queue/ID.state</c> — delivery state after a failed attempt; replaced by
/// write-temp + fsync + rename + directory fsync. Absent means "never tried".</item>
/// <item><c>locks/ID.lock</c> — the delivery lease (<see cref="SpoolLease"/>).</item>
/// <item><c>tmp/</c> — writes in progress; anything left there after a crash was never
/// acknowledged and is deleted by <see cref="Recover"/>.</item>
/// </list>
/// The spool must be on a local file system (flock and rename semantics); one spool per relay process.
/// </remarks>
internal sealed class SpoolStore
{
    private const int MaxEnvelopeBytes = 4 * 1024 * 1024;

    private readonly string _queueDirectory;
    private readonly string _tmpDirectory;
    private readonly string _lockDirectory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SpoolNotifications? _notifications;

    public SpoolStore(string directory, TimeProvider timeProvider, ILogger<SpoolStore>? logger = null, SpoolNotifications? notifications = null)
    {
        Directory = Path.GetFullPath(directory);
        _queueDirectory = Path.Combine(Directory, "queue");
        _tmpDirectory = Path.Combine(Directory, "tmp");
        _lockDirectory = Path.Combine(Directory, "locks");
        _timeProvider = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _notifications = notifications;
    }

    public string Directory { get; }

    /// <summary>Creates the spool's directories (idempotent).</summary>
    public void EnsureCreated()
    {
        System.IO.Directory.CreateDirectory(_queueDirectory);
        System.IO.Directory.CreateDirectory(_tmpDirectory);
        System.IO.Directory.CreateDirectory(_lockDirectory);
        DirectorySync.Flush(Directory);
    }

    /// <summary>Whether the spool has been created (the CLI refuses to guess a wrong directory).</summary>
    public bool Exists => System.IO.Directory.Exists(_queueDirectory);

    /// <summary>
    /// Writes a message durably and returns its envelope; when this returns, the message
    /// survives a crash or power loss. Throws on any I/O failure (the caller answers 451).
    /// </summary>
    public Task<SpoolEnvelope> EnqueueAsync(
        string sender,
        IReadOnlyList<string> recipients,
        string client,
        ReadOnlySequence<byte> message,
        TimeSpan lifetime,
        bool isBounce,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = _timeProvider.GetUtcNow();
        var envelope = new SpoolEnvelope
        {
            Id = QueueId.New(now),
            Sender = sender,
            Recipients = recipients.ToArray(),
            MessageId = MessageIdReader.Find(message),
            Client = client,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
            Size = message.Length,
            IsBounce = isBounce,
        };

        var header = JsonSerializer.SerializeToUtf8Bytes(envelope, SpoolJsonContext.Default.SpoolEnvelope);
        var tmp = Path.Combine(_tmpDirectory, envelope.Id + ".msg");
        try
        {
            var fileOptions = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
                PreallocationSize = header.Length + 1 + message.Length,
            };
            using (var file = new FileStream(tmp, fileOptions))
            {
                file.Write(header);
                file.WriteByte((byte)'\n');
                foreach (var segment in message)
                {
                    file.Write(segment.Span);
                }

                file.Flush(flushToDisk: true);
            }

            File.Move(tmp, MessagePath(envelope.Id));
            DirectorySync.Flush(_queueDirectory);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }

        SpoolLog.MessageSpooled(_logger, envelope.Id, envelope.Size, envelope.Recipients.Count);
        _notifications?.Publish(envelope.Id);
        return Task.FromResult(envelope);
    }

    /// <summary>Ids of all queued messages, oldest first.</summary>
    public IReadOnlyList<string> ListIds()
    {
        if (!Exists)
        {
            return [];
        }

        var ids = System.IO.Directory.EnumerateFiles(_queueDirectory, "*.msg")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(QueueId.IsValid)
            .Select(id => id!)
            .ToList();
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>Reads a queued message's envelope and state; null when it is not (or no longer) queued.</summary>
    public SpoolEntry? TryRead(string id)
    {
        if (!QueueId.IsValid(id))
        {
            return null;
        }

        SpoolEnvelope envelope;
        try
        {
            using var stream = OpenMessageFile(id);
            envelope = ReadEnvelope(stream, id);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        var statePath = StatePath(id);
        DeliveryState state;
        try
        {
            var json = File.ReadAllBytes(statePath);
            state = JsonSerializer.Deserialize(json, SpoolJsonContext.Default.DeliveryState)
                ?? throw new InvalidDataException($"Spool state {id} is empty.");
        }
        catch (FileNotFoundException)
        {
            state = DeliveryState.Initial(envelope);
        }

        return new SpoolEntry(envelope, state);
    }

    /// <summary>Opens the message bytes (without the envelope line).</summary>
    public Stream OpenMessage(string id)
    {
        var stream = OpenMessageFile(id);
        try
        {
            _ = ReadEnvelope(stream, id);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Takes the delivery lease of a message; null when someone else holds it.</summary>
    public SpoolLease? TryLease(string id) =>
        QueueId.IsValid(id) ? SpoolLease.TryAcquire(id, Path.Combine(_lockDirectory, id + ".lock")) : null;

    /// <summary>Replaces a message's delivery state atomically and durably.</summary>
    public void SaveState(SpoolLease lease, DeliveryState state)
    {
        var tmp = Path.Combine(_tmpDirectory, lease.Id + ".state");
        try
        {
            using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.Write(JsonSerializer.SerializeToUtf8Bytes(state, SpoolJsonContext.Default.DeliveryState));
                file.Flush(flushToDisk: true);
            }

            File.Move(tmp, StatePath(lease.Id), overwrite: true);
            DirectorySync.Flush(_queueDirectory);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>
    /// Removes a delivered, bounced or deleted message. Deleting the message file is the
    /// commit point; a crash after it leaves only an orphan state or lock file that
    /// <see cref="Recover"/> deletes.
    /// </summary>
    public void Remove(SpoolLease lease)
    {
        // No directory fsync here: if a crash undoes the unlink, the message is delivered again,
        // which at-least-once delivery allows. Only an acceptance (EnqueueAsync) must be durable.
        File.Delete(MessagePath(lease.Id));
        File.Delete(StatePath(lease.Id));
        File.Delete(lease.LockPath);
    }

    /// <summary>
    /// Start-up clean-up after a crash: deletes unacknowledged writes in <c>tmp/</c> and
    /// state or lock files whose message is gone. Never touches a queued message.
    /// </summary>
    public int Recover()
    {
        EnsureCreated();
        var removed = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(_tmpDirectory))
        {
            // A write in progress in this process holds an exclusive lock on its file.
            try
            {
                using (new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.None, bufferSize: 0))
                {
                }

                File.Delete(file);
                removed++;
            }
            catch (IOException)
            {
            }
        }

        foreach (var state in System.IO.Directory.EnumerateFiles(_queueDirectory, "*.state"))
        {
            if (!File.Exists(Path.ChangeExtension(state, ".msg")))
            {
                TryDelete(state);
                removed++;
            }
        }

        foreach (var lockFile in System.IO.Directory.EnumerateFiles(_lockDirectory, "*.lock"))
        {
            var id = Path.GetFileNameWithoutExtension(lockFile);
            if (!File.Exists(MessagePath(id)) && TryLease(id) is { } lease)
            {
                using (lease)
                {
                    TryDelete(lockFile);
                    removed++;
                }
            }
        }

        var queued = ListIds().Count;
        SpoolLog.SpoolRecovered(_logger, Directory, queued, removed);
        return removed;
    }

    private FileStream OpenMessageFile(string id) =>
        new(MessagePath(id), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 64 * 1024);

    private static SpoolEnvelope ReadEnvelope(FileStream stream, string id)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        while (true)
        {
            var b = stream.ReadByte();
            if (b < 0)
            {
                throw new InvalidDataException($"Spool message {id} has no envelope line.");
            }

            if (b == '\n')
            {
                break;
            }

            if (buffer.WrittenCount >= MaxEnvelopeBytes)
            {
                throw new InvalidDataException($"Spool message {id} has an envelope line over {MaxEnvelopeBytes} bytes.");
            }

            buffer.GetSpan(1)[0] = (byte)b;
            buffer.Advance(1);
        }

        var envelope = JsonSerializer.Deserialize(buffer.WrittenSpan, SpoolJsonContext.Default.SpoolEnvelope)
            ?? throw new InvalidDataException($"Spool message {id} has an empty envelope.");
        return envelope.Id == id ? envelope : throw new InvalidDataException($"Spool message {id} carries the envelope of {envelope.Id}.");
    }

    private string MessagePath(string id) => Path.Combine(_queueDirectory, id + ".msg");

    private string StatePath(string id) => Path.Combine(_queueDirectory, id + ".state");

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
