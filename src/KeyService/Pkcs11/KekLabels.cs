using System.Globalization;
using System.Text.RegularExpressions;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>
/// How KEK versions are named on a token: <c>sov.kek.&lt;label&gt;.v&lt;N&gt;</c> in CKA_LABEL, so the token
/// itself says which versions exist. Tombstones of shredded versions carry the same label on a
/// data object whose CKA_APPLICATION is <see cref="TombstoneApplication"/>.
/// </summary>
internal static partial class KekLabels
{
    public const string TombstoneApplication = "sovereignty.kek-shredded";

    private const string Prefix = "sov.kek.";

    public static string Format(string keyLabel, int version) => $"{Prefix}{keyLabel}.v{version.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses a CKA_LABEL; false when it is not a version of <paramref name="keyLabel"/>.</summary>
    public static bool TryParse(string objectLabel, string keyLabel, out int version)
    {
        version = 0;
        var prefix = $"{Prefix}{keyLabel}.v";
        return objectLabel.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(objectLabel.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out version)
            && version > 0;
    }

    /// <summary>Key labels are short names without dots, so a version suffix is never ambiguous.</summary>
    public static bool IsValidKeyLabel(string keyLabel) => ValidKeyLabel().IsMatch(keyLabel);

    public static void Validate(string keyLabel)
    {
        if (!IsValidKeyLabel(keyLabel))
        {
            throw new KeyServiceException(KeyErrorKind.Configuration,
                $"Invalid key label '{keyLabel}': use 1–64 letters, digits, '-' or '_'.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidKeyLabel();
}
