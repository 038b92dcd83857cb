using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Sovereignty.Proxy.Smtp.Logging;

namespace Sovereignty.Proxy.Smtp.Delivery;

/// <summary>
/// One delivery worker's connection to the smart host, kept open between messages and
/// re-established when it breaks. TLS is what <see cref="SmtpUpstreamOptions.Security"/>
/// says, never less: with StartTls, an upstream that does not offer it is an error.
/// </summary>
internal sealed class UpstreamConnection : IAsyncDisposable
{
    private static readonly TimeSpan ProbeAfterIdle = TimeSpan.FromSeconds(30);

    private readonly SmtpRelayOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private RelaySmtpClient? _client;
    private long _lastUsed;

    public UpstreamConnection(SmtpRelayOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// Sends one message to the given recipients. Returns each recipient's reply; a
    /// connection failure gives every recipient a temporary reply with code 0.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, UpstreamReply>> SendAsync(
        string sender,
        IReadOnlyList<string> recipients,
        Stream message,
        CancellationToken cancellationToken)
    {
        var parsed = await MimeMessage.LoadAsync(message, persistent: false, cancellationToken);
        var reused = _client is { IsConnected: true };
        var replies = await TrySendAsync(sender, recipients, parsed, cancellationToken);
        if (reused && replies.Values.All(r => r.Code == 0))
        {
            // A kept-alive connection the upstream had closed: one fresh try before deferring.
            replies = await TrySendAsync(sender, recipients, parsed, cancellationToken);
        }

        return replies;
    }

    public async ValueTask DisposeAsync()
    {
        await DropAsync();
    }

    private async Task<IReadOnlyDictionary<string, UpstreamReply>> TrySendAsync(
        string sender,
        IReadOnlyList<string> recipients,
        MimeMessage message,
        CancellationToken cancellationToken)
    {
        try
        {
            var client = await ConnectAsync(cancellationToken);
            client.RecipientReplies.Clear();
            var format = FormatOptions.Default.Clone();
            format.NewLineFormat = NewLineFormat.Dos;
            var mailboxes = recipients.Select(r => new MailboxAddress("", r)).ToList();
            try
            {
                var dataReply = await client.SendAsync(format, message, new MailboxAddress("", sender), mailboxes, cancellationToken);
                _lastUsed = _timeProvider.GetTimestamp();
                return recipients.ToDictionary(
                    r => r,
                    r => client.RecipientReplies.TryGetValue(r, out var reply) && !reply.IsSuccess ? reply : new UpstreamReply(250, dataReply),
                    StringComparer.OrdinalIgnoreCase);
            }
            catch (SmtpCommandException ex) when (ex.ErrorCode is SmtpErrorCode.SenderNotAccepted or SmtpErrorCode.MessageNotAccepted or SmtpErrorCode.UnexpectedStatusCode or SmtpErrorCode.RecipientNotAccepted)
            {
                _lastUsed = _timeProvider.GetTimestamp();
                var failure = new UpstreamReply((int)ex.StatusCode, ex.Message);
                await DropAsync(); // a fresh connection for the next message: no half-finished transaction state
                return recipients.ToDictionary(
                    r => r,
                    r => client.RecipientReplies.TryGetValue(r, out var reply) && !reply.IsSuccess ? reply : failure,
                    StringComparer.OrdinalIgnoreCase);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or SmtpProtocolException or SslHandshakeException
            or ServiceNotConnectedException or ServiceNotAuthenticatedException or NotSupportedException or TimeoutException
            or SmtpCommandException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            DeliveryLog.UpstreamUnavailable(_logger, _options.Upstream.Host, _options.Upstream.Port, ex.Message);
            await DropAsync();
            var failure = new UpstreamReply(0, ex.GetType().Name + ": " + ex.Message);
            return recipients.ToDictionary(r => r, _ => failure, StringComparer.OrdinalIgnoreCase);
        }
    }

    private async Task<RelaySmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true } existing)
        {
            if (_timeProvider.GetElapsedTime(_lastUsed) < ProbeAfterIdle)
            {
                return existing;
            }

            try
            {
                await existing.NoOpAsync(cancellationToken);
                return existing;
            }
            catch (Exception ex) when (ex is IOException or SocketException or SmtpProtocolException or SmtpCommandException)
            {
                await DropAsync();
            }
        }

        await DropAsync();
        var upstream = _options.Upstream;
        var client = new RelaySmtpClient
        {
            LocalDomain = _options.ServerName,
            Timeout = (int)Math.Min(upstream.Timeout.TotalMilliseconds, int.MaxValue),
        };
        var security = upstream.Security switch
        {
            UpstreamSecurity.StartTls => SecureSocketOptions.StartTls,
            UpstreamSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.None,
        };
        try
        {
            await client.ConnectAsync(upstream.Host, upstream.Port, security, cancellationToken);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        _client = client;
        _lastUsed = _timeProvider.GetTimestamp();
        return client;
    }

    private async Task DropAsync()
    {
        if (_client is null)
        {
            return;
        }

        try
        {
            if (_client.IsConnected)
            {
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _client.DisconnectAsync(quit: true, quit.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or SmtpProtocolException or SmtpCommandException or OperationCanceledException or ServiceNotConnectedException)
        {
        }
        finally
        {
            _client.Dispose();
            _client = null;
        }
    }
}
