using System.Collections;
using System.Text;

namespace Sovereignty.KeyService.Envelope;

/// <summary>
/// Caller-supplied, ordered key/value pairs stored in an envelope header: authenticated,
/// not encrypted (e.g. <c>object=/sites/hr/contract.pdf</c>, <c>label=confidential</c>,
/// <c>policy=3f2a…</c>). Decryption can demand an exact context, so an envelope copied
/// onto another object is refused.
/// </summary>
/// <remarks>
/// Order matters and is kept as given. Keys are unique (ordinal comparison) and non-empty;
/// at most <see cref="MaxEntries"/> entries, each key and value at most
/// <see cref="MaxItemBytes"/> UTF-8 bytes. Values are visible to anyone holding the
/// ciphertext: never put secrets in them.
/// </remarks>
public sealed class EncryptionContext : IReadOnlyList<KeyValuePair<string, string>>, IEquatable<EncryptionContext>
{
    /// <summary>Most entries a context may hold.</summary>
    public const int MaxEntries = 64;

    /// <summary>Most UTF-8 bytes in one key or value.</summary>
    public const int MaxItemBytes = 1024;

    /// <summary>UTF-8 that refuses invalid sequences, for everything stored in a header.</summary>
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly KeyValuePair<string, string>[] _entries;

    private EncryptionContext(KeyValuePair<string, string>[] entries)
    {
        _entries = entries;
    }

    /// <summary>The empty context.</summary>
    public static EncryptionContext Empty { get; } = new([]);

    /// <inheritdoc/>
    public int Count => _entries.Length;

    /// <inheritdoc/>
    public KeyValuePair<string, string> this[int index] => _entries[index];

    /// <summary>Builds a context, keeping the order given.</summary>
    /// <exception cref="ArgumentException">A key is empty or repeated, or an item is too long.</exception>
    public static EncryptionContext Create(IEnumerable<KeyValuePair<string, string>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var list = entries.ToArray();
        if (list.Length > MaxEntries)
        {
            throw new ArgumentException($"An encryption context holds at most {MaxEntries} entries.", nameof(entries));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in list)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(entries));
            ArgumentNullException.ThrowIfNull(value, nameof(entries));
            if (key.Length == 0)
            {
                throw new ArgumentException("Encryption context keys must not be empty.", nameof(entries));
            }

            if (!seen.Add(key))
            {
                throw new ArgumentException($"Encryption context key '{key}' appears more than once.", nameof(entries));
            }

            if (StrictUtf8.GetByteCount(key) > MaxItemBytes || StrictUtf8.GetByteCount(value) > MaxItemBytes)
            {
                throw new ArgumentException($"Encryption context entry '{key}' is longer than {MaxItemBytes} bytes.", nameof(entries));
            }
        }

        return list.Length == 0 ? Empty : new EncryptionContext(list);
    }

    /// <summary>Builds a context from <c>key=value</c> strings (the CLI's <c>--context</c>).</summary>
    /// <exception cref="ArgumentException">An item has no <c>=</c>, or see <see cref="Create"/>.</exception>
    public static EncryptionContext Parse(IEnumerable<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var entries = new List<KeyValuePair<string, string>>();
        foreach (string item in items)
        {
            int equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"Context item '{item}' is not of the form key=value.", nameof(items));
            }

            entries.Add(new(item[..equals], item[(equals + 1)..]));
        }

        return Create(entries);
    }

    /// <summary>The value for <paramref name="key"/>, or null.</summary>
    public string? Get(string key)
    {
        foreach (var (k, v) in _entries)
        {
            if (string.Equals(k, key, StringComparison.Ordinal))
            {
                return v;
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public bool Equals(EncryptionContext? other)
    {
        if (other is null || other.Count != Count)
        {
            return false;
        }

        for (int i = 0; i < _entries.Length; i++)
        {
            if (!string.Equals(_entries[i].Key, other._entries[i].Key, StringComparison.Ordinal)
                || !string.Equals(_entries[i].Value, other._entries[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as EncryptionContext);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (key, value) in _entries)
        {
            hash.Add(key, StringComparer.Ordinal);
            hash.Add(value, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    /// <summary><c>k1=v1, k2=v2</c>, for messages (context values are not secret).</summary>
    public override string ToString() => string.Join(", ", _entries.Select(e => $"{e.Key}={e.Value}"));

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

}
