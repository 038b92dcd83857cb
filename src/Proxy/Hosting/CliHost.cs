using System.CommandLine;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.Proxy.Hosting;

/// <summary>
/// What every CLI verb shares: the <c>--config</c> option, configuration (appsettings.json next
/// to the executable, then <c>--config FILE</c>, then environment variables such as
/// <c>SOVEREIGNTY__HSM__PROVIDERS__0__TOKENLABEL</c>), the services, and the error handling
/// that turns failures into one line on stderr and an exit code.
/// </summary>
internal static class CliHost
{
    /// <summary>Exit code: success.</summary>
    public const int Success = 0;

    /// <summary>Exit code: the operation failed and retrying will not help (bad input, configuration, missing key).</summary>
    public const int Failed = 1;

    /// <summary>Exit code: the command was refused (usage, missing confirmation).</summary>
    public const int Refused = 2;

    /// <summary>Exit code: temporary failure (HSM or audit log unavailable), retry later (EX_TEMPFAIL).</summary>
    public const int TemporaryFailure = 75;

    /// <summary><c>--config FILE</c>: an extra JSON settings file, recursive on the command it is added to.</summary>
    public static Option<FileInfo?> ConfigOption { get; } = new("--config")
    {
        Description = "A JSON settings file (on top of appsettings.json next to the executable; environment variables SOVEREIGNTY__… override both).",
        Recursive = true,
    };

    public static IConfigurationRoot BuildConfiguration(FileInfo? configFile)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            if (!configFile.Exists)
            {
                throw new KeyServiceException(KeyErrorKind.Configuration, $"Settings file '{configFile.FullName}' (--config) does not exist.");
            }

            builder.AddJsonFile(configFile.FullName, optional: false, reloadOnChange: false);
        }

        // Keys are case-insensitive and "__" stands for ":", so SOVEREIGNTY__HSM__… sets Sovereignty:Hsm:….
        return builder.AddEnvironmentVariables().Build();
    }

    /// <summary>
    /// The services of the key service. The key event log is <see cref="FileKeyEventLog"/> until
    /// the Redis audit log registers itself as <see cref="IKeyEventLog"/> here instead.
    /// </summary>
    public static ServiceProvider BuildServices(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        // Warnings (e.g. an HSM session repaired) go to stderr, keeping stdout for results.
        services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddSimpleConsole(console => console.SingleLine = true));
        services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        services.AddSovereigntyKeys(configuration);
        services.AddOptions<FileKeyEventLogOptions>().Bind(configuration.GetSection(FileKeyEventLogOptions.SectionName));
        services.TryAddSingleton<IKeyEventLog, FileKeyEventLog>();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>
    /// Runs a verb's body with its services, and turns every failure into one line on stderr
    /// (what failed and what to do) and an exit code; never a stack trace.
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parseResult, Func<IServiceProvider, TextWriter, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var error = parseResult.InvocationConfiguration.Error;
        var verb = CommandPath(parseResult);
        try
        {
            var configuration = BuildConfiguration(parseResult.GetValue(ConfigOption));
            await using var services = BuildServices(configuration);
            return await body(services, output, cancellationToken).ConfigureAwait(false);
        }
        catch (KeyServiceException ex)
        {
            await error.WriteLineAsync($"sovereignty {verb}: {OneLine(ex.Message)}").ConfigureAwait(false);
            return ex.IsRetryable ? TemporaryFailure : Failed;
        }
        catch (OptionsValidationException ex)
        {
            await error.WriteLineAsync($"sovereignty {verb}: invalid configuration: {OneLine(string.Join("; ", ex.Failures))}").ConfigureAwait(false);
            return Failed;
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // Typically a malformed settings file or a value of the wrong type.
            await error.WriteLineAsync($"sovereignty {verb}: {OneLine(ex.Message)}").ConfigureAwait(false);
            return Failed;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync($"sovereignty {verb}: canceled.").ConfigureAwait(false);
            return TemporaryFailure;
        }
    }

    /// <summary>The verb as typed, e.g. <c>keys shred</c>, for the start of error lines.</summary>
    public static string CommandPath(ParseResult parseResult)
    {
        var names = new List<string>();
        for (var result = parseResult.CommandResult; result is not null && result.Parent is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command.Name);
        }

        return string.Join(' ', names);
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
