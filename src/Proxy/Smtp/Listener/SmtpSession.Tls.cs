using System.IO.Pipelines;
using System.Net.Security;
using Sovereignty.Proxy.Smtp.Logging;

namespace Sovereignty.Proxy.Smtp.Listener;

internal sealed partial class SmtpSession
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// STARTTLS (RFC 3207). Whatever the client sent after the STARTTLS line, before the
    /// handshake, is thrown away unread (§6; the CVE-2011-0411 command-injection class),
    /// and the session forgets EHLO and AUTH.
    /// </summary>
    private async ValueTask<bool> StartTlsAsync(string argument)
    {
        if (argument.Length > 0)
        {
            Error(501, "5.5.4", "STARTTLS takes no parameters");
            return true;
        }

        if (!_context.CanStartTls)
        {
            Error(454, "4.7.0", "TLS not available");
            return true;
        }

        if (_isTls)
        {
            Error(503, "5.5.1", "TLS already active");
            return true;
        }

        Reply(220, "2.0.0", "Ready to start TLS");
        await FlushRepliesAsync();

        if (_reader.TryRead(out var leftover))
        {
            if (!leftover.Buffer.IsEmpty)
            {
                ListenerLog.PlaintextAfterStartTlsDiscarded(_context.Logger, _remote, leftover.Buffer.Length);
            }

            _reader.AdvanceTo(leftover.Buffer.End);
        }

        await _reader.CompleteAsync();

        var tls = new SslStream(_network, leaveInnerStreamOpen: true);
        using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(_idle.Token))
        {
            handshake.CancelAfter(HandshakeTimeout);
            try
            {
                await tls.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = _context.Certificate,
                        ClientCertificateRequired = false,
                    },
                    handshake.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_idle.IsCancellationRequested)
            {
                ListenerLog.TlsHandshakeFailed(_context.Logger, _remote, ex.Message);
                await tls.DisposeAsync();
                return false;
            }
        }

        ListenerLog.TlsStarted(_context.Logger, _remote, tls.SslProtocol);
        _stream = tls;
        _reader = PipeReader.Create(tls, new StreamPipeReaderOptions(bufferSize: PipeBufferSize, leaveOpen: true));
        _needMoreInput = false;
        _isTls = true;
        _heloName = null;
        _authenticatedUser = null;
        ResetTransaction();
        return true;
    }
}
