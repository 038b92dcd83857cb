using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Extraction.Labels;

/// <summary>
/// Microsoft Purview Information Protection labels as written in the <c>msip_labels</c> mail
/// header (<c>MSIP_Label_&lt;GUID&gt;_Enabled=true; MSIP_Label_&lt;GUID&gt;_Name=…; …</c>) and
/// in Office files' <c>docProps/custom.xml</c> (one property per key). Only enabled labels count.
/// </summary>
internal static partial class MsipLabels
{
    /// <summary>An enabled label: its GUID (lower case, no braces) and its name when given.</summary>
    internal sealed record Label(string Id, string? Name, string? SiteId);

    /// <summary>Parses a (possibly folded) <c>msip_labels</c> header value.</summary>
    public static IReadOnlyList<Label> Parse(string headerValue)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var item in headerValue.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Split(';'))
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                pairs.Add(new(item[..equals].Trim(), item[(equals + 1)..].Trim()));
            }
        }

        return FromProperties(pairs);
    }

    /// <summary>Groups <c>MSIP_Label_&lt;GUID&gt;_&lt;Key&gt;</c> properties by GUID and keeps the enabled labels.</summary>
    public static IReadOnlyList<Label> FromProperties(IEnumerable<KeyValuePair<string, string>> properties)
    {
        var byId = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (key, value) in properties)
        {
            var match = PropertyName().Match(key);
            if (!match.Success)
            {
                continue;
            }

            var id = match.Groups["id"].Value.ToLowerInvariant();
            if (!byId.TryGetValue(id, out var fields))
            {
                byId[id] = fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            }

            fields[match.Groups["field"].Value] = value;
        }

        var labels = new List<Label>();
        foreach (var (id, fields) in byId)
        {
            if (fields.TryGetValue("Enabled", out var enabled) && enabled.Equals("true", StringComparison.OrdinalIgnoreCase))
            {
                labels.Add(new Label(id, NonEmpty(fields.GetValueOrDefault("Name")), NonEmpty(fields.GetValueOrDefault("SiteId"))));
            }
        }

        return labels;
    }

    /// <summary>A label GUID as this code keys it: lower case, without braces.</summary>
    internal static string NormaliseId(string id) => id.Trim().Trim('{', '}').ToLowerInvariant();

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    [GeneratedRegex(@"^MSIP_Label_(?<id>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})_(?<field>\w+)$", RegexOptions.CultureInvariant)]
    private static partial Regex PropertyName();
}
