using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sovereignty.Proxy.Smtp.Auth;

/// <summary>
/// Salted password hashes of the credentials file:
/// <c>pbkdf2-sha256:ITERATIONS:SALT-BASE64:HASH-BASE64</c> (PBKDF2-HMAC-SHA256, RFC 8018).
/// </summary>
internal sealed class PasswordHash
{
    public const string Scheme = "pbkdf2-sha256";
    private const int MinIterations = 1000;

    private readonly int _iterations;
    private readonly byte[] _salt;
    private readonly byte[] _hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash)
    {
        _iterations = iterations;
        _salt = salt;
        _hash = hash;
    }

    /// <summary>Hashes a password with a fresh 16-byte salt (tests, documentation examples).</summary>
    public static string Create(string password, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}:{iterations}:{Convert.ToBase64String(salt)}:{Convert.ToBase64String(hash)}");
    }

    public int Iterations => _iterations;

    public static bool TryParse(string text, out PasswordHash? hash)
    {
        hash = null;
        var parts = text.Split(':');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < MinIterations)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var digest = Convert.FromBase64String(parts[3]);
            if (salt.Length < 8 || digest.Length < 16)
            {
                return false;
            }

            hash = new PasswordHash(iterations, salt, digest);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public bool Verify(ReadOnlySpan<byte> password)
    {
        var candidate = Rfc2898DeriveBytes.Pbkdf2(password, _salt, _iterations, HashAlgorithmName.SHA256, _hash.Length);
        return CryptographicOperations.FixedTimeEquals(candidate, _hash);
    }
}
