using System.Collections.Concurrent;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>
/// Object handles of keys already found, so a wrap does not search the token each time.
/// Handles are session-independent but die with a module reinitialisation (the pool clears
/// the cache then) and with the object. Some HSMs hand a destroyed object's handle number to a
/// new object, so an entry is checked against the key's identity again once it is older than
/// <see cref="RecheckInterval"/>: a key destroyed by another process is noticed within that time
/// (a local destroy removes its entry at once).
/// </summary>
internal sealed class Pkcs11HandleCache
{
    /// <summary>How long a checked handle is trusted without asking the token again.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public Pkcs11HandleCache(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>The cached handle for <paramref name="key"/>, re-checked with <paramref name="isStillTheKey"/> when due; null when unknown or stale.</summary>
    public IObjectHandle? Get(string key, Func<IObjectHandle, bool> isStillTheKey)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (_time.GetElapsedTime(entry.CheckedAt) < RecheckInterval)
        {
            return entry.Handle;
        }

        if (isStillTheKey(entry.Handle))
        {
            _entries[key] = entry with { CheckedAt = _time.GetTimestamp() };
            return entry.Handle;
        }

        _entries.TryRemove(key, out _);
        return null;
    }

    public IObjectHandle Add(string key, IObjectHandle handle)
    {
        _entries[key] = new Entry(handle, _time.GetTimestamp());
        return handle;
    }

    public void Remove(string key) => _entries.TryRemove(key, out _);

    public void Clear() => _entries.Clear();

    private sealed record Entry(IObjectHandle Handle, long CheckedAt);
}
