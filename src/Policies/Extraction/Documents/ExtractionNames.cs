namespace Sovereignty.Policies.Extraction.Documents;

/// <summary>Names as they appear in locations: no control characters, bounded length.</summary>
internal static class ExtractionNames
{
    private const int MaxLength = 200;

    public static string Clean(string? name, string fallback = "unnamed")
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return fallback;
        }

        var cleaned = string.Create(name.Length, name, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '_' : source[i];
            }
        }).Trim();
        return cleaned.Length > MaxLength ? cleaned[..MaxLength] : cleaned;
    }
}
