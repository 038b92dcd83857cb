using System.Security.Cryptography;
using System.Text;

namespace Sovereignty.KeyService.Audit;

/// <summary>
/// How a mail recipient appears in key events: the SHA-256 of the trimmed, lower-cased address
/// (hex). An auditor who knows an address can find its events; the log never shows addresses.
/// </summary>
public static class RecipientHash
{
    public static string Of(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(address.Trim().ToLowerInvariant())));
    }
}
