using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Sovereignty.Proxy.Smtp.Auth;
using Sovereignty.Proxy.Smtp.Logging;
using Sovereignty.Proxy.Smtp.Spool;
using Sovereignty.Proxy.Smtp.Transform;

namespace Sovereignty.Proxy.Smtp.Listener;

/// <summary>
/// Accepts SMTP connections and runs one <see cref="SmtpSession"/> per connection.
/// The socket is bound in <see cref="StartAsync"/>, so <see cref="LocalEndPoint"/> is
/// known (port 0 resolved) as soon as the host has started.
/// </summary>
public sealed class SmtpListener : IHostedService, IAsyncDisposable
{
    private readonly SmtpRelayOptions _options;
    private readonly IMessageTransformer _transformer;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<SmtpListener> _logger;
    private readonly SpoolStore _spool;
    private readonly ConcurrentDictionary<Task, byte> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _socket;
    private Task? _acceptLoop;
    private SmtpSessionContext? _context;
    private int _disposed;

    internal SmtpListener(
        IOptions<SmtpRelayOptions> options,
        IMessageTransformer transformer,
        SpoolStore spool,
        TimeProvider timeProvider,
        ILogger<SmtpListener> logger)
    {
        _options = options.Value;
        _transformer = transformer;
        _spool = spool;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The bound address and port; null before start.</summary>
    public IPEndPoint? LocalEndPoint => (IPEndPoint?)_socket?.LocalEndPoint;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _spool.EnsureCreated();
        var credentials = _options.Auth.CredentialsFile is { } file ? CredentialStore.Load(file) : CredentialStore.Empty;
        _context = new SmtpSessionContext(
            _options,
            ServerCertificateLoader.Load(_options.Tls),
            credentials,
            new ClientNetworks(_options.AllowedClientNetworks),
            _transformer,
            _spool,
            _timeProvider,
            _logger);

        var endPoint = new IPEndPoint(IPAddress.Parse(_options.ListenAddress), _options.Port);
        _socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _socket.Bind(endPoint);
        _socket.Listen(512);
        ListenerLog.ListenerStarted(_logger, _socket.LocalEndPoint!);
        _acceptLoop = AcceptLoopAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_socket is null)
        {
            return;
        }

        var endPoint = _socket.LocalEndPoint!;
        await _stopping.CancelAsync();
        _socket.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await Task.WhenAll(_sessions.Keys).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        ListenerLog.ListenerStopped(_logger, endPoint);
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as a singleton and as a hosted service: the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        _socket?.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket!.AcceptAsync(stopping);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            // Pipelined replies must not wait for Nagle + delayed ACK (~40 ms per round trip).
            client.NoDelay = true;
            if (_sessions.Count >= _options.Limits.MaxConnections)
            {
                ListenerLog.TooManyConnections(_logger, client.RemoteEndPoint, _options.Limits.MaxConnections);
                _ = RefuseAsync(client);
                continue;
            }

            ListenerLog.ConnectionAccepted(_logger, client.RemoteEndPoint);
            var session = RunSessionAsync(client, stopping);
            _sessions.TryAdd(session, 0);
            _ = session.ContinueWith(t => _sessions.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task RunSessionAsync(Socket client, CancellationToken stopping)
    {
        await Task.Yield();
        await using var session = new SmtpSession(client, _context!);
        try
        {
            await session.RunAsync(stopping);
        }
        catch (Exception ex)
        {
            ListenerLog.SessionFailed(_logger, ex);
        }
    }

    private static async Task RefuseAsync(Socket client)
    {
        using (client)
        {
            try
            {
                await client.SendAsync("421 4.3.2 Too many connections, try again later\r\n"u8.ToArray());
                client.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
        }
    }
}
