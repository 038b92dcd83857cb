using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService;
using Sovereignty.KeyService.Audit;

namespace Sovereignty.Proxy.Hosting;

/// <summary>Settings of <see cref="FileKeyEventLog"/>: section <c>Sovereignty:KeyEventLog</c>.</summary>
public sealed class FileKeyEventLogOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Sovereignty:KeyEventLog";

    /// <summary>The JSON-lines file (default <c>.dev/key-events.jsonl</c> under the working directory).</summary>
    public string Path { get; set; } = System.IO.Path.Combine(".dev", "key-events.jsonl");
}

/// <summary>
/// A local, append-only JSON-lines key event log: one line per event, flushed to disk (fsync)
/// before <see cref="RecordAsync"/> returns, so a key use never happens without its record.
/// </summary>
/// <remarks>
/// The interim default of the CLI until the Redis-backed, hash-chained audit log replaces it
/// as the registered <see cref="IKeyEventLog"/>. It has no hash chain and assumes one writing
/// process at a time; it exists so events are never silently dropped in the meantime.
/// </remarks>
public sealed class FileKeyEventLog : IKeyEventLog, IDisposable
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private FileStream? _stream;

    public FileKeyEventLog(IOptions<FileKeyEventLogOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _path = System.IO.Path.GetFullPath(options.Value.Path);
        _time = timeProvider;
    }

    /// <summary>The full path of the log file.</summary>
    public string Path => _path;

    /// <inheritdoc/>
    public async ValueTask RecordAsync(KeyEvent keyEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyEvent);
        // Recipients are written as hashes, as in the Redis audit log: never addresses in clear.
        var recorded = keyEvent with
        {
            Recipients = keyEvent.Recipients?.Select(RecipientHash.Of).ToList(),
            Use = keyEvent.Use with { Recipients = keyEvent.Use.Recipients?.Select(RecipientHash.Of).ToList() },
        };
        var line = JsonSerializer.SerializeToUtf8Bytes(new Line(_time.GetUtcNow(), Environment.MachineName, recorded), Json);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_stream is null)
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
                _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
            }

            await _stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            _stream.WriteByte((byte)'\n');
            _stream.Flush(flushToDisk: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KeyServiceException(KeyErrorKind.Unavailable, $"Cannot write the key event log '{_path}': {ex.Message}", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _gate.Dispose();
    }

    private sealed record Line(DateTimeOffset Time, string Node, KeyEvent Event);
}
