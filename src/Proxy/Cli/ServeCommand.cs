using System.CommandLine;
using Microsoft.Extensions.Options;
using Sovereignty.Proxy.Hosting;

namespace Sovereignty.Proxy.Cli;

/// <summary>
/// <c>sovereignty serve</c>: runs the gateway host until Ctrl+C / SIGTERM. Extra arguments are
/// .NET configuration (<c>--Urls http://127.0.0.1:8080 --Sovereignty:Documents:RetryAfterSeconds 10</c>).
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Run the gateway: document proxy, SMTP relay, health and audit API.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            string[] configurationArgs = [.. parseResult.UnmatchedTokens];
            try
            {
                WebApplication app = ServeHost.Build(ServeHost.CreateBuilder(configurationArgs));
                await app.RunAsync(cancellationToken);
                return 0;
            }
            catch (OptionsValidationException e)
            {
                await Console.Error.WriteLineAsync("sovereignty serve: the configuration is invalid:");
                foreach (string failure in e.Failures)
                {
                    await Console.Error.WriteLineAsync("  " + failure);
                }

                return 2;
            }
        });
        return command;
    }
}
