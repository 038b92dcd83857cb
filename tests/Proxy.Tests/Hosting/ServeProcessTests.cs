using System.Diagnostics;
using System.Text.Json;
using Sovereignty.Proxy.Tests.Support;
using Sovereignty.Testing;

namespace Sovereignty.Proxy.Tests.Hosting;

/// <summary>
/// The built <c>sovereignty serve</c> as a child process: what an operator sees when the
/// configuration or the policy is wrong (a clear message on stderr, a non-zero exit, nothing served).
/// </summary>
[Collection(GatewayGroup.Name)]
public sealed class ServeProcessTests(GatewayFixture gateway) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sovereignty-serve-").FullName;

    [Fact]
    public async Task Serve_PolicyInvalidAtStart_ExitsNonZeroListingErrors()
    {
        string policies = Path.Combine(_directory, "policies");
        Directory.CreateDirectory(policies);
        foreach (string file in Directory.GetFiles(Path.Combine(GatewayFixture.RepositoryRoot(), "policies"), "*.yaml"))
        {
            File.Copy(file, Path.Combine(policies, Path.GetFileName(file)));
        }

        string policyFile = Path.Combine(policies, "policy.yaml");
        await File.WriteAllTextAsync(policyFile, (await File.ReadAllTextAsync(policyFile)).Replace("  mode: enforce", "  mode: sometimes", StringComparison.Ordinal));
        Dictionary<string, string?> settings = gateway.ChildProcessSettings();
        settings["Sovereignty:Documents:PolicyDirectory"] = policies;

        (int exitCode, string error) = await ServeAsync(settings);

        Assert.Equal(1, exitCode);
        Assert.Contains("sovereignty serve: the policy is invalid, nothing was started:", error, StringComparison.Ordinal);
        Assert.Matches(@"policy\.yaml:8:\d+: .*sometimes", error);
    }

    [Fact]
    public async Task Serve_IdentityIssuerMissing_ExitsNonZeroNamingSetting()
    {
        Dictionary<string, string?> settings = gateway.ChildProcessSettings();
        settings.Remove("Sovereignty:Identity:Issuer");

        (int exitCode, string error) = await ServeAsync(settings);

        Assert.Equal(1, exitCode);
        Assert.Contains("sovereignty serve: the configuration is invalid:", error, StringComparison.Ordinal);
        Assert.Contains("Sovereignty:Identity:Issuer", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_StartedFromADirectoryWithItsOwnAppsettings_DoesNotReadIt()
    {
        // Settings come from beside the executable, --config and the environment; a stray
        // (here unparsable) appsettings.json where the operator happens to stand is not one of them.
        await File.WriteAllTextAsync(Path.Combine(_directory, "appsettings.json"), "{ not json");
        Dictionary<string, string?> settings = gateway.ChildProcessSettings();
        settings.Remove("Sovereignty:Identity:Issuer");

        (int exitCode, string error) = await ServeAsync(settings, workingDirectory: _directory);

        Assert.Equal(1, exitCode);
        Assert.Contains("Sovereignty:Identity:Issuer", error, StringComparison.Ordinal);
        Assert.DoesNotContain("appsettings.json", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_SettingsFileMissing_ExitsNonZeroNamingFile()
    {
        string missing = Path.Combine(_directory, "no-such-settings.json");

        (int exitCode, string error) = await RunAsync(["serve", "--config", missing, "--urls", "http://127.0.0.1:0"]);

        Assert.Equal(1, exitCode);
        Assert.Contains(missing, error, StringComparison.Ordinal);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<(int ExitCode, string Error)> ServeAsync(Dictionary<string, string?> settings, string? workingDirectory = null)
    {
        string config = Path.Combine(_directory, $"serve-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(settings));
        return await RunAsync(["serve", "--config", config, "--urls", "http://127.0.0.1:0"], workingDirectory);
    }

    private static async Task<(int ExitCode, string Error)> RunAsync(string[] arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sovereignty.dll"));
        arguments.ToList().ForEach(start.ArgumentList.Add);
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("SOVEREIGNTY", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach ((string name, string value) in SoftHsmToken.ChildProcessEnvironment)
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("serve did not exit within 60 s; stderr: " + await error);
        }

        await output;
        return (process.ExitCode, await error);
    }
}
