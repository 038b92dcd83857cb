using System.Diagnostics;

namespace Sovereignty.KeyService.Tests.Smime;

/// <summary>Runs an independent checker (openssl, cmsutil, certutil, pk12util).</summary>
internal static class ExternalTool
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    public static async Task<string> RunOkAsync(string file, params string[] arguments)
    {
        var (exit, output, error) = await RunAsync(file, arguments);
        Assert.True(exit == 0, $"{file} {string.Join(' ', arguments)} exited {exit}: {error}{output}");
        return output;
    }
}
