using System.Diagnostics;
using System.Text.Json;
using Sovereignty.Testing;

namespace Sovereignty.Proxy.Tests.Cli;

/// <summary>
/// Runs the built <c>sovereignty</c> program as a child process against a SoftHSM token, with a
/// settings file of its own and no inherited SOVEREIGNTY__ variables.
/// </summary>
internal sealed class SovereigntyProcess : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sovereignty-cli-").FullName;

    public SovereigntyProcess(SoftHsmToken token, string pinFile)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        EventLogPath = Path.Combine(_directory, "events.jsonl");
        ConfigPath = Path.Combine(_directory, "settings.json");
        Settings = new Dictionary<string, object>
        {
            ["Sovereignty"] = new Dictionary<string, object>
            {
                ["Hsm"] = new Dictionary<string, object>
                {
                    ["Providers"] = new[] { new { Name = "hsm-test", token.ModulePath, token.TokenLabel, PinFile = pinFile, SessionPoolSize = 2 } },
                    ["KeyClasses"] = new[]
                    {
                        new { Name = "confidential-fr", Provider = "hsm-test", KeyLabel = $"conf-{suffix}", Residency = "fr" },
                        new { Name = "internal-eu", Provider = "hsm-test", KeyLabel = $"int-{suffix}", Residency = "eu" },
                    },
                },
                ["KeyEventLog"] = new { Path = EventLogPath },
            },
        };
        File.WriteAllText(ConfigPath, JsonSerializer.Serialize(Settings));
    }

    public string ConfigPath { get; }

    public string EventLogPath { get; }

    public Dictionary<string, object> Settings { get; }

    /// <summary>Writes a file in this run's temp directory (removed on dispose) and returns its path.</summary>
    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public IReadOnlyList<JsonElement> Events() => File.Exists(EventLogPath)
        ? [.. File.ReadAllLines(EventLogPath).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").Clone())]
        : [];

    public async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sovereignty.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (!arguments.Contains("--config"))
        {
            start.ArgumentList.Add("--config");
            start.ArgumentList.Add(ConfigPath);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("SOVEREIGNTY", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in SoftHsmToken.ChildProcessEnvironment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
