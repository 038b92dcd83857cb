using System.Collections.Concurrent;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>
/// Object handles of keys already found, so a wrap does not search the token each time. Each
/// entry holds the key's token object and the handle operations use: a session copy of it
/// (see <see cref="Pkcs11KeyProvider"/>, "working copies") or the token object itself.
/// </summary>
/// <remarks>
/// Handles die with a module reinitialisation (entries carry the module generation they were
/// found in, and the pool clears the cache after its own recoveries) and with the object. Some
/// HSMs hand a destroyed object's handle number to a new object, and a working copy outlives its
/// token object, so the token object is checked against the key's identity again once the entry
/// is older than <see cref="RecheckInterval"/>: a key destroyed by another process is no longer
/// used after that time (a local destroy removes its entry at once). A working copy whose entry
/// is dropped while its session is known to be alive is handed back to be destroyed; copies of
/// entries dropped by <see cref="Clear"/> died with their sessions or module, and are not
/// touched, since their handle numbers may already name other objects.
/// </remarks>
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

    /// <summary>
    /// The handle to use for <paramref name="key"/>, its token object re-checked with
    /// <paramref name="isStillTheKey"/> when due; null when unknown or stale. A stale entry's
    /// working copy goes to <paramref name="discardCopy"/>.
    /// </summary>
    public IObjectHandle? Get(string key, int moduleGeneration, Func<IObjectHandle, bool> isStillTheKey, Action<IObjectHandle> discardCopy)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (entry.ModuleGeneration != moduleGeneration)
        {
            // Another pool reinitialised the shared module: the handles died with it.
            _entries.TryRemove(KeyValuePair.Create(key, entry));
            return null;
        }

        if (_time.GetElapsedTime(entry.CheckedAt) < RecheckInterval)
        {
            return entry.Working;
        }

        if (isStillTheKey(entry.Token))
        {
            _entries.TryUpdate(key, entry with { CheckedAt = _time.GetTimestamp() }, entry);
            return entry.Working;
        }

        if (_entries.TryRemove(KeyValuePair.Create(key, entry)) && entry.HasCopy)
        {
            discardCopy(entry.Working);
        }

        return null;
    }

    /// <summary>
    /// Caches <paramref name="token"/> with the handle operations use (<paramref name="working"/>,
    /// the same handle when there is no copy) and returns the handle to use: the one already
    /// cached if another caller got there first, in which case <paramref name="working"/>, if a
    /// copy, goes to <paramref name="discardCopy"/>.
    /// </summary>
    public IObjectHandle Add(string key, IObjectHandle token, IObjectHandle working, int moduleGeneration, Action<IObjectHandle> discardCopy)
    {
        var added = new Entry(token, working, moduleGeneration, _time.GetTimestamp());
        var kept = _entries.AddOrUpdate(key, added, (_, existing) => existing.ModuleGeneration == moduleGeneration ? existing : added);
        if (!ReferenceEquals(kept, added) && added.HasCopy)
        {
            discardCopy(working);
        }

        return kept.Working;
    }

    /// <summary>Forgets <paramref name="key"/> (destroyed here); its working copy goes to <paramref name="discardCopy"/>.</summary>
    public void Remove(string key, Action<IObjectHandle> discardCopy)
    {
        if (_entries.TryRemove(key, out var entry) && entry.HasCopy)
        {
            discardCopy(entry.Working);
        }
    }

    /// <summary>Forgets every handle after sessions or the module were lost (nothing to destroy: see the remarks).</summary>
    public void Clear() => _entries.Clear();

    private sealed record Entry(IObjectHandle Token, IObjectHandle Working, int ModuleGeneration, long CheckedAt)
    {
        public bool HasCopy => Working.ObjectId != Token.ObjectId;
    }
}
