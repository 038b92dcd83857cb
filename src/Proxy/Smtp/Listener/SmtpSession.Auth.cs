using System.Text;
using Sovereignty.Proxy.Smtp.Logging;

namespace Sovereignty.Proxy.Smtp.Listener;

internal sealed partial class SmtpSession
{
    /// <summary>
    /// AUTH PLAIN (RFC 4616) and LOGIN, over TLS only (RFC 4954 §4: never a clear-text
    /// password on the wire). Credentials are checked and dropped; nothing of them is logged.
    /// </summary>
    private async ValueTask AuthenticateAsync(string argument)
    {
        if (!_context.CanAuthenticate)
        {
            Error(502, "5.5.1", "AUTH not available");
            return;
        }

        if (!_isTls)
        {
            Error(538, "5.7.11", "Encryption required for requested authentication mechanism");
            return;
        }

        if (_heloName is null)
        {
            Error(503, "5.5.1", "Send EHLO first");
            return;
        }

        if (_authenticatedUser is not null || InTransaction)
        {
            Error(503, "5.5.1", "Already authenticated or in a mail transaction");
            return;
        }

        var parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        var mechanism = parts.Length > 0 ? parts[0].ToUpperInvariant() : "";
        var initial = parts.Length > 1 ? parts[1] : null;

        (string User, byte[] Password)? credentials = mechanism switch
        {
            "PLAIN" => await ReadPlainAsync(initial),
            "LOGIN" => await ReadLoginAsync(initial),
            _ => null,
        };

        if (mechanism is not ("PLAIN" or "LOGIN"))
        {
            Error(504, "5.5.4", "Unrecognized authentication mechanism");
            return;
        }

        if (credentials is not { } given)
        {
            Error(501, "5.5.2", "Malformed or cancelled authentication exchange");
            return;
        }

        try
        {
            if (_context.Credentials.Verify(given.User, given.Password))
            {
                _authenticatedUser = given.User;
                ListenerLog.AuthSucceeded(_context.Logger, _remote, given.User);
                Reply(235, "2.7.0", "Authentication successful");
                return;
            }
        }
        finally
        {
            Array.Clear(given.Password);
        }

        ListenerLog.AuthFailed(_context.Logger, _remote, mechanism);
        Error(535, "5.7.8", "Authentication credentials invalid");
    }

    private async ValueTask<(string, byte[])?> ReadPlainAsync(string? initial)
    {
        var response = initial ?? await ChallengeAsync("");
        if (response is null || !TryDecodeBase64(response, out var decoded))
        {
            return null;
        }

        // authzid NUL authcid NUL passwd; a different authorization identity is not supported.
        var first = Array.IndexOf(decoded, (byte)0);
        var second = first < 0 ? -1 : Array.IndexOf(decoded, (byte)0, first + 1);
        if (first < 0 || second < 0)
        {
            Array.Clear(decoded);
            return null;
        }

        var authzid = Encoding.UTF8.GetString(decoded, 0, first);
        var user = Encoding.UTF8.GetString(decoded, first + 1, second - first - 1);
        var password = decoded[(second + 1)..];
        Array.Clear(decoded);
        if (user.Length == 0 || (authzid.Length > 0 && authzid != user))
        {
            Array.Clear(password);
            return null;
        }

        return (user, password);
    }

    private async ValueTask<(string, byte[])?> ReadLoginAsync(string? initial)
    {
        var userResponse = initial ?? await ChallengeAsync("VXNlcm5hbWU6"); // "Username:"
        if (userResponse is null || !TryDecodeBase64(userResponse, out var userBytes) || userBytes.Length == 0)
        {
            return null;
        }

        var passwordResponse = await ChallengeAsync("UGFzc3dvcmQ6"); // "Password:"
        if (passwordResponse is null || !TryDecodeBase64(passwordResponse, out var password))
        {
            return null;
        }

        return (Encoding.UTF8.GetString(userBytes), password);
    }

    /// <summary>Sends a 334 challenge and reads the answer; null when the client cancels with <c>*</c>.</summary>
    private async ValueTask<string?> ChallengeAsync(string challenge)
    {
        Reply(334, null, challenge);
        var line = await ReadCommandLineAsync();
        return line is null or "*" ? null : line;
    }

    private static bool TryDecodeBase64(string text, out byte[] bytes)
    {
        bytes = new byte[(text.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(text, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        bytes = [];
        return false;
    }
}
