using System.Globalization;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sovereignty.Proxy.Smtp;
using Sovereignty.Proxy.Smtp.Listener;
using Sovereignty.Proxy.Smtp.Transform;

namespace Sovereignty.Proxy.Tests.Smtp.Testing;

/// <summary>
/// The relay in a minimal generic host, as <c>serve</c> will run it: <c>AddSmtpRelay</c>
/// on configuration, listening on 127.0.0.1 port 0, spooling to a temp directory,
/// relaying to <see cref="SmtpSink"/> over plain SMTP on loopback.
/// </summary>
public sealed class RelayHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly TempDirectory? _ownedDirectory;

    private RelayHost(IHost host, string spoolDirectory, TempDirectory? ownedDirectory, CapturingLoggerProvider logs)
    {
        _host = host;
        SpoolDirectory = spoolDirectory;
        _ownedDirectory = ownedDirectory;
        Logs = logs;
        Port = host.Services.GetRequiredService<SmtpListener>().LocalEndPoint!.Port;
    }

    public int Port { get; }

    public string SpoolDirectory { get; }

    public CapturingLoggerProvider Logs { get; }

    public IServiceProvider Services => _host.Services;

    public static Dictionary<string, string?> DefaultSettings(int upstreamPort, string spoolDirectory) => new()
    {
        ["Sovereignty:Smtp:ServerName"] = "relay.test",
        ["Sovereignty:Smtp:ListenAddress"] = "127.0.0.1",
        ["Sovereignty:Smtp:Port"] = "0",
        ["Sovereignty:Smtp:SpoolDirectory"] = spoolDirectory,
        ["Sovereignty:Smtp:AllowedClientNetworks:0"] = "127.0.0.0/8",
        ["Sovereignty:Smtp:Upstream:Host"] = "127.0.0.1",
        ["Sovereignty:Smtp:Upstream:Port"] = upstreamPort.ToString(CultureInfo.InvariantCulture),
        ["Sovereignty:Smtp:Upstream:Security"] = "None",
        ["Sovereignty:Smtp:Upstream:Timeout"] = "00:00:10",
        ["Sovereignty:Smtp:Delivery:Workers"] = "2",
        ["Sovereignty:Smtp:Delivery:InitialRetryDelay"] = "00:00:01",
        ["Sovereignty:Smtp:Delivery:MaxRetryDelay"] = "00:00:10",
        ["Sovereignty:Smtp:Delivery:ScanInterval"] = "00:00:01",
    };

    public static async Task<RelayHost> StartAsync(
        SmtpSink sink,
        Action<Dictionary<string, string?>>? configure = null,
        TimeProvider? timeProvider = null,
        IMessageTransformer? transformer = null,
        string? spoolDirectory = null)
    {
        var owned = spoolDirectory is null ? new TempDirectory() : null;
        var spool = spoolDirectory ?? owned!.Combine("spool");
        var settings = DefaultSettings(sink.Port, spool);
        configure?.Invoke(settings);

        var logs = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        if (timeProvider is not null)
        {
            builder.Services.AddSingleton(timeProvider);
        }

        if (transformer is not null)
        {
            builder.Services.AddSingleton(transformer);
        }

        builder.Services.AddSmtpRelay(builder.Configuration);
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            owned?.Dispose();
            throw;
        }

        return new RelayHost(host, spool, owned, logs);
    }

    /// <summary>A MailKit client connected to the relay (plain; STARTTLS when a certificate is given).</summary>
    public async Task<SmtpClient> ConnectClientAsync(TestCertificate? certificate = null)
    {
        var client = new SmtpClient { CheckCertificateRevocation = false, LocalDomain = "client.test" };
        if (certificate is not null)
        {
            client.ServerCertificateValidationCallback = (_, presented, _, _) => certificate.Matches(presented);
        }

        await client.ConnectAsync("127.0.0.1", Port, certificate is null ? SecureSocketOptions.None : SecureSocketOptions.StartTls);
        return client;
    }

    public string[] SpoolFiles() =>
        Directory.Exists(Path.Combine(SpoolDirectory, "queue"))
            ? Directory.GetFiles(Path.Combine(SpoolDirectory, "queue"), "*.msg")
            : [];

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.StopAsync(stop.Token);
        _host.Dispose();
        _ownedDirectory?.Dispose();
    }
}
