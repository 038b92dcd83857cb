namespace Sovereignty.Proxy.Smtp.Hosting;

/// <summary>
/// A minimal host running only the SMTP relay, configured from one JSON file. Used by the
/// crash-recovery test (a child process it can <c>kill -9</c>) and by the benchmark; the
/// production host is <c>sovereignty serve</c>, which calls <see cref="SmtpRelayServiceCollectionExtensions.AddSmtpRelay"/>.
/// </summary>
internal static class StandaloneRelayHost
{
    public static async Task<int> RunAsync(string configFile, TextWriter output, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder([]);
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.AddSmtpRelay(builder.Configuration);

        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        var listener = host.Services.GetRequiredService<Listener.SmtpListener>();
        // The one line a parent process waits for: the resolved port when configured with 0.
        await output.WriteLineAsync($"SMTP relay listening on {listener.LocalEndPoint}");
        await output.FlushAsync(cancellationToken);
        await host.WaitForShutdownAsync(cancellationToken);
        return 0;
    }
}
