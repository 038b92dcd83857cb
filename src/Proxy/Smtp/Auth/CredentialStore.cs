using System.Text;

namespace Sovereignty.Proxy.Smtp.Auth;

/// <summary>
/// The submitters allowed to AUTH: a file of <c>user:pbkdf2-sha256:iterations:salt:hash</c>
/// lines (<c>#</c> starts a comment). Read once at start-up; a malformed line stops the
/// start with its line number (never its content: it may hold a hash).
/// </summary>
internal sealed class CredentialStore
{
    private readonly Dictionary<string, PasswordHash> _users;
    private readonly PasswordHash _decoy;

    private CredentialStore(Dictionary<string, PasswordHash> users)
    {
        _users = users;
        var iterations = users.Count == 0 ? 1000 : users.Values.Max(h => h.Iterations);
        _decoy = PasswordHash.TryParse(PasswordHash.Create(Guid.NewGuid().ToString(), iterations), out var decoy)
            ? decoy!
            : throw new InvalidOperationException("The decoy password hash did not parse.");
    }

    public static CredentialStore Empty { get; } = new(new Dictionary<string, PasswordHash>(StringComparer.Ordinal));

    public bool IsEmpty => _users.Count == 0;

    public static CredentialStore Load(string path)
    {
        var users = new Dictionary<string, PasswordHash>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !PasswordHash.TryParse(line[(colon + 1)..], out var hash))
            {
                throw new InvalidDataException($"{path}:{lineNumber}: expected 'user:{PasswordHash.Scheme}:iterations:salt-base64:hash-base64'.");
            }

            if (!users.TryAdd(line[..colon], hash!))
            {
                throw new InvalidDataException($"{path}:{lineNumber}: user listed twice.");
            }
        }

        return new CredentialStore(users);
    }

    /// <summary>Checks a user name and password; unknown users cost a hash too, so timing does not tell who exists.</summary>
    public bool Verify(string user, ReadOnlySpan<byte> password)
    {
        if (_users.TryGetValue(user, out var hash))
        {
            return hash.Verify(password);
        }

        _decoy.Verify(password);
        return false;
    }

    public bool Verify(string user, string password) => Verify(user, Encoding.UTF8.GetBytes(password));
}
