using System.Diagnostics;
using System.Net.Sockets;

namespace Sovereignty.Bench.Proxy;

/// <summary>A gateway running as a child process (so its memory is its own), with an RSS sampler.</summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _name;

    private GatewayProcess(Process process, string name, Uri baseAddress, MemoryCgroup? cgroup)
    {
        _process = process;
        _name = name;
        BaseAddress = baseAddress;
        Cgroup = cgroup;
    }

    public Uri BaseAddress { get; }

    /// <summary>The memory cgroup the gateway runs in (null without <c>--memory-limit-mb</c>).</summary>
    public MemoryCgroup? Cgroup { get; }

    public static async Task<GatewayProcess> StartAsync(
        string name, string dll, IEnumerable<string> arguments, int port, string readyPath, IDictionary<string, string> environment, long? memoryLimitBytes = null)
    {
        var start = new ProcessStartInfo(memoryLimitBytes is null ? "dotnet" : "sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        MemoryCgroup? cgroup = null;
        if (memoryLimitBytes is long limit)
        {
            // The shell joins the cgroup, then becomes the gateway (same pid): the runtime starts
            // inside the limit and sizes its heap from it, as in a container.
            cgroup = MemoryCgroup.Create($"{name.Replace(' ', '-')}-{port}", limit);
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("echo $$ > \"$0\" && exec dotnet \"$@\"");
            start.ArgumentList.Add(cgroup.ProcsFile);
        }

        start.ArgumentList.Add(dll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("SOVEREIGNTY", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach ((string key, string value) in environment)
        {
            start.Environment[key] = value;
        }

        Process process = Process.Start(start)!;
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { lock (errors) { errors.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var gateway = new GatewayProcess(process, name, new Uri($"http://127.0.0.1:{port}/"), cgroup);
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            if (process.HasExited)
            {
                int exitCode = process.ExitCode;
                await gateway.DisposeAsync();
                throw new InvalidOperationException($"{name} exited with {exitCode}: {errors}");
            }

            try
            {
                using HttpResponseMessage response = await client.GetAsync(readyPath);
                if (response.IsSuccessStatusCode)
                {
                    return gateway;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException)
            {
                // Not listening yet.
            }
        }

        await gateway.DisposeAsync();
        throw new InvalidOperationException($"{name} was not ready within 90 s: {errors}");
    }

    /// <summary>Resident set size now (VmRSS), bytes.</summary>
    public long ResidentBytes()
    {
        _process.Refresh();
        try
        {
            foreach (string line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // The process is gone (e.g. killed at its memory cgroup's limit): the phase's requests fail and say so.
        }

        return 0;
    }

    /// <summary>CPU time the gateway process used so far (user + system, all threads).</summary>
    public TimeSpan ProcessorTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>Runs <paramref name="work"/> while sampling RSS every 50 ms; returns the peak seen.</summary>
    public async Task<long> PeakResidentDuringAsync(Func<Task> work)
    {
        long peak = ResidentBytes();
        using var done = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentBytes());
                try
                {
                    await Task.Delay(50, done.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
        try
        {
            await work();
        }
        finally
        {
            done.Cancel();
            await sampler;
        }

        return Math.Max(peak, ResidentBytes());
    }

    public override string ToString() => _name;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Cgroup?.Dispose();
    }
}
