using System.Text.RegularExpressions;
using MimeKit;

namespace Sovereignty.Policies.Extraction.Labels;

/// <summary>
/// Labels a sender's mail client sets in the headers: Microsoft Purview (MSIP) labels in
/// <c>msip_labels</c>, the RFC 4021 <c>Sensitivity</c> header, and tags in brackets at the
/// start of or anywhere in the subject (<c>[CONFIDENTIEL]</c>, <c>[C2]</c>).
/// </summary>
internal static partial class MessageLabels
{
    public const string MsipSource = "msip";
    public const string SensitivitySource = "sensitivity-header";
    public const string SubjectTagSource = "subject-tag";

    /// <summary>Every label in the headers of <paramref name="message"/>, located under <paramref name="prefix"/>.</summary>
    public static IEnumerable<UserLabel> Find(MimeMessage message, string prefix)
    {
        var headerLocation = prefix + "headers";
        foreach (var header in message.Headers)
        {
            if (header.Field.Equals("msip_labels", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var label in MsipLabels.Parse(header.Value))
                {
                    yield return new UserLabel(MsipSource, label.Name ?? label.Id, headerLocation) { Id = label.Id };
                }
            }
            else if (header.Field.Equals("Sensitivity", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(header.Value))
            {
                yield return new UserLabel(SensitivitySource, header.Value.Trim(), headerLocation);
            }
        }

        if (message.Subject is { Length: > 0 } subject)
        {
            foreach (var tag in SubjectTags(subject))
            {
                yield return new UserLabel(SubjectTagSource, tag, prefix + "subject");
            }
        }
    }

    /// <summary>The trimmed text of every bracketed tag (1–40 characters) in a subject.</summary>
    internal static IEnumerable<string> SubjectTags(string subject)
    {
        foreach (Match match in SubjectTagPattern().Matches(subject))
        {
            var value = match.Groups["tag"].Value.Trim();
            if (value.Length > 0)
            {
                yield return value;
            }
        }
    }

    [GeneratedRegex(@"\[(?<tag>[^\[\]\r\n]{1,40})\]", RegexOptions.CultureInvariant)]
    private static partial Regex SubjectTagPattern();
}
