namespace Sovereignty.Proxy.Smtp.Listener;

/// <summary>
/// Parses the path of MAIL FROM / RCPT TO (<c>&lt;local@domain&gt;</c>, RFC 5321 §4.1.2)
/// strictly: ASCII only (no SMTPUTF8), no source routes, no spaces or controls, at most
/// 254 characters. Anything else is refused rather than guessed at.
/// </summary>
internal static class SmtpAddress
{
    private const int MaxLength = 254;

    /// <summary>Splits <c>&lt;path&gt; params</c>; returns false on bad syntax.</summary>
    public static bool TryParsePath(string argument, bool allowNull, out string address, out string parameters)
    {
        address = "";
        parameters = "";
        var text = argument.TrimStart();
        if (text.Length < 2 || text[0] != '<')
        {
            return false;
        }

        var close = text.IndexOf('>', StringComparison.Ordinal);
        if (close < 0)
        {
            return false;
        }

        var path = text[1..close];
        parameters = text[(close + 1)..].Trim();
        if (path.Length == 0)
        {
            return allowNull;
        }

        if (!IsValidMailbox(path))
        {
            return false;
        }

        address = path;
        return true;
    }

    public static bool IsValidMailbox(string path)
    {
        if (path.Length > MaxLength)
        {
            return false;
        }

        var at = path.LastIndexOf('@');
        if (at <= 0 || at == path.Length - 1)
        {
            return false;
        }

        foreach (var c in path)
        {
            if (c <= ' ' || c > '~' || c is '<' or '>' or ',' or ';' or ':' or '\\' or '(' or ')' or '"')
            {
                return false;
            }
        }

        var domain = path[(at + 1)..];
        return !domain.StartsWith('.') && !domain.EndsWith('.') && !domain.Contains("..", StringComparison.Ordinal);
    }
}
