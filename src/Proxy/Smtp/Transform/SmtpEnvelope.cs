using System.Net;

namespace Sovereignty.Proxy.Smtp.Transform;

/// <summary>The SMTP envelope of one message and who submitted it.</summary>
/// <param name="Sender">Reverse path without angle brackets; empty for the null sender <c>&lt;&gt;</c>.</param>
/// <param name="Recipients">Forward paths without angle brackets, in RCPT order.</param>
/// <param name="Client">The submitting client.</param>
public sealed record SmtpEnvelope(string Sender, IReadOnlyList<string> Recipients, SmtpClientInfo Client);

/// <summary>The client connection a message arrived on.</summary>
/// <param name="RemoteEndPoint">Client address and port.</param>
/// <param name="HeloName">Name the client gave in EHLO/HELO.</param>
/// <param name="IsTls">Whether the session was protected by STARTTLS.</param>
/// <param name="AuthenticatedUser">User name of AUTH, or null when the client relays by network.</param>
public sealed record SmtpClientInfo(IPEndPoint RemoteEndPoint, string HeloName, bool IsTls, string? AuthenticatedUser);
