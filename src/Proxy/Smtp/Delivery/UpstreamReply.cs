using System.Globalization;
using System.Text.RegularExpressions;

namespace Sovereignty.Proxy.Smtp.Delivery;

/// <summary>What the upstream answered for one recipient (or the connection error that stood for an answer).</summary>
/// <param name="Code">SMTP reply code; 0 for a connection error (treated as temporary).</param>
/// <param name="Text">Reply text as sent by the upstream, or the connection error.</param>
internal sealed partial record UpstreamReply(int Code, string Text)
{
    public bool IsSuccess => Code is >= 200 and < 300;

    public bool IsPermanent => Code is >= 500 and < 600;

    /// <summary>Enhanced status (RFC 3463) from the text, else derived from the code.</summary>
    public string EnhancedStatus
    {
        get
        {
            var match = EnhancedPattern().Match(Text);
            if (match.Success)
            {
                return match.Value;
            }

            return IsSuccess ? "2.0.0" : IsPermanent ? "5.0.0" : "4.0.0";
        }
    }

    public override string ToString() =>
        Code == 0 ? "connection: " + Text : string.Create(CultureInfo.InvariantCulture, $"{Code} {Text}");

    [GeneratedRegex(@"^[245]\.\d{1,3}\.\d{1,3}")]
    private static partial Regex EnhancedPattern();
}
