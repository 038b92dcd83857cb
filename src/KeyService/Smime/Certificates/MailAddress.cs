namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>Normalises recipient addresses into safe lookup keys (they become file names).</summary>
public static class MailAddress
{
    /// <summary>
    /// Lower-cases and trims <paramref name="address"/>; returns <see langword="false"/> for
    /// anything that is not a plain <c>local@domain</c> or could escape the directory.
    /// </summary>
    public static bool TryNormalize(string? address, out string normalized)
    {
        normalized = string.Empty;
        if (string.IsNullOrWhiteSpace(address))
        {
            return false;
        }

        var candidate = address.Trim().ToLowerInvariant();
        var at = candidate.LastIndexOf('@');
        if (candidate.Length > 254 || at <= 0 || at == candidate.Length - 1 || candidate.IndexOf('@') != at)
        {
            return false;
        }

        foreach (var c in candidate)
        {
            // Path separators, control characters and spaces never belong in an address we look up.
            if (c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' || char.IsControl(c) || char.IsWhiteSpace(c))
            {
                return false;
            }
        }

        if (candidate.StartsWith('.') || candidate.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        normalized = candidate;
        return true;
    }

    /// <summary>The domain part of a normalised address.</summary>
    public static string DomainOf(string normalizedAddress) => normalizedAddress[(normalizedAddress.LastIndexOf('@') + 1)..];
}
