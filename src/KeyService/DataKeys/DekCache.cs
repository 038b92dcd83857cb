using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService.Envelope;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.DataKeys;

/// <summary>
/// Unwrapped data keys kept in process, so that reading the same object again does not
/// call the HSM. Keyed by the key reference, wrapped DEK and encryption context of the
/// envelope header; bounded by count (least recently used goes first) and by age.
/// </summary>
/// <remarks>
/// Defaults in <see cref="DekCacheOptions"/>. Key bytes live in pinned arrays (the GC
/// never copies them) and are zeroed when an entry is evicted, expires, is replaced, or the
/// cache is disposed; a timer sweeps expired entries even when nobody reads them. Callers
/// get a copy, so an eviction never changes a key in use. Thread-safe.
/// </remarks>
public sealed class DekCache : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new();
    private readonly TimeProvider _time;
    private readonly int _maxEntries;
    private readonly TimeSpan _maxAge;
    private readonly ITimer? _sweeper;
    private bool _disposed;

    public DekCache(IOptions<DekCacheOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var value = options.Value;
        var errors = value.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(DekCacheOptions.SectionName, typeof(DekCacheOptions), errors);
        }

        _time = timeProvider;
        _maxEntries = value.MaxEntries;
        _maxAge = value.MaxAge;
        if (_maxEntries > 0)
        {
            var period = TimeSpan.FromTicks(Math.Clamp(_maxAge.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
            _sweeper = timeProvider.CreateTimer(_ => RemoveExpired(), null, period, period);
        }
    }

    /// <summary>Number of keys held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Copies the cached data key for <paramref name="header"/> into <paramref name="dataKey"/> (32 bytes).</summary>
    public bool TryGet(EnvelopeHeader header, Span<byte> dataKey)
    {
        ArgumentNullException.ThrowIfNull(header);
        string key = CacheKey(header);
        lock (_lock)
        {
            if (_disposed || !_entries.TryGetValue(key, out var node))
            {
                return false;
            }

            if (node.Value.ExpiresAt <= _time.GetUtcNow())
            {
                RemoveNode(node);
                return false;
            }

            _recency.Remove(node);
            _recency.AddFirst(node);
            node.Value.DataKey.CopyTo(dataKey);
            return true;
        }
    }

    /// <summary>Caches a copy of <paramref name="dataKey"/> for <paramref name="header"/>.</summary>
    public void Add(EnvelopeHeader header, ReadOnlySpan<byte> dataKey)
    {
        ArgumentNullException.ThrowIfNull(header);
        EnvelopeHeader.CheckDataKey(dataKey);
        if (_maxEntries == 0)
        {
            return;
        }

        string key = CacheKey(header);
        byte[] copy = GC.AllocateArray<byte>(dataKey.Length, pinned: true);
        dataKey.CopyTo(copy);
        lock (_lock)
        {
            if (_disposed)
            {
                CryptographicOperations.ZeroMemory(copy);
                return;
            }

            if (_entries.TryGetValue(key, out var existing))
            {
                RemoveNode(existing);
            }

            var node = _recency.AddFirst(new Entry(key, header.Key, copy, _time.GetUtcNow() + _maxAge));
            _entries.Add(key, node);
            while (_entries.Count > _maxEntries)
            {
                RemoveNode(_recency.Last!);
            }
        }
    }

    /// <summary>Drops (and zeroes) every cached key wrapped under <paramref name="key"/>, e.g. after it is shredded.</summary>
    /// <returns>How many keys were dropped.</returns>
    public int Evict(KeyReference key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            var victims = _recency.Where(e => e.Key == key).Select(e => _entries[e.CacheKey]).ToList();
            victims.ForEach(RemoveNode);
            return victims.Count;
        }
    }

    /// <summary>Drops (and zeroes) every expired key; runs on a timer too.</summary>
    public void RemoveExpired()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var expired = _entries.Values.Where(n => n.Value.ExpiresAt <= now).ToList();
            expired.ForEach(RemoveNode);
        }
    }

    /// <summary>Zeroes and drops every key; the cache stays empty afterwards.</summary>
    public void Dispose()
    {
        _sweeper?.Dispose();
        lock (_lock)
        {
            _disposed = true;
            foreach (var node in _entries.Values.ToList())
            {
                RemoveNode(node);
            }
        }
    }

    /// <summary>The cached key array itself, so tests can watch it being zeroed.</summary>
    internal byte[]? PeekBuffer(EnvelopeHeader header)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(CacheKey(header), out var node) ? node.Value.DataKey : null;
        }
    }

    /// <summary>The header bytes that name the data key: key reference, wrapped DEK and context (salt, nonce and commitment excluded).</summary>
    private static string CacheKey(EnvelopeHeader header) => Convert.ToBase64String(header.KeyIdentity);

    private void RemoveNode(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.CacheKey);
        CryptographicOperations.ZeroMemory(node.Value.DataKey);
    }

    private sealed record Entry(string CacheKey, KeyReference Key, byte[] DataKey, DateTimeOffset ExpiresAt);
}
