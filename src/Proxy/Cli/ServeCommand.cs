using System.CommandLine;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService;
using Sovereignty.Policies.Validation;
using Sovereignty.Proxy.Hosting;

namespace Sovereignty.Proxy.Cli;

/// <summary>
/// <c>sovereignty serve</c>: runs the gateway host until Ctrl+C / SIGTERM. <c>--config FILE</c> adds a
/// JSON settings file; extra arguments are .NET configuration
/// (<c>--Urls http://127.0.0.1:8080 --Sovereignty:Documents:RetryAfterSeconds 10</c>).
/// </summary>
/// <remarks>
/// Exit codes: 0 stopped normally; 1 the configuration or the policy is invalid, or a component
/// could not start (each error on stderr, with what to fix).
/// </remarks>
internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Run the gateway: document proxy, SMTP relay, health and audit API.")
        {
            CliHost.ConfigOption,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            string[] configurationArgs = [.. parseResult.UnmatchedTokens];
            TextWriter error = parseResult.InvocationConfiguration.Error;
            try
            {
                WebApplication app = ServeHost.Build(ServeHost.CreateBuilder(configurationArgs, parseResult.GetValue(CliHost.ConfigOption)?.FullName));
                await app.RunAsync(cancellationToken);
                return CliHost.Success;
            }
            catch (OptionsValidationException e)
            {
                await WriteErrorsAsync(error, "the configuration is invalid", e.Failures);
            }
            catch (PolicyValidationException e)
            {
                await WriteErrorsAsync(error, "the policy is invalid, nothing was started", e.Errors.Select(policyError => policyError.ToString()));
            }
            catch (KeyServiceException e)
            {
                await WriteErrorsAsync(error, "the key service could not start", [e.Message]);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or FormatException or InvalidOperationException or UnauthorizedAccessException)
            {
                // A missing or malformed settings file, a value of the wrong type, a port in use.
                await WriteErrorsAsync(error, "could not start", [e.Message]);
            }

            return CliHost.Failed;
        });
        return command;
    }

    private static async Task WriteErrorsAsync(TextWriter error, string what, IEnumerable<string> lines)
    {
        await error.WriteLineAsync($"sovereignty serve: {what}:");
        foreach (string line in lines)
        {
            await error.WriteLineAsync("  " + line.ReplaceLineEndings(" "));
        }
    }
}
