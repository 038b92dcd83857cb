using System.Globalization;

namespace Sovereignty.Bench.Proxy;

/// <summary>
/// A memory cgroup with a hard limit, for running a gateway the way a container runtime would
/// (<c>--memory-limit-mb</c>). The kernel enforces the limit on everything the process is
/// charged for (heap, code, the file pages it faults in), reclaiming clean pages and, if that
/// is not enough, killing it; .NET reads the limit at start-up and sizes its GC heap to 75 % of
/// it. Needs a writable memory controller (root): cgroup v2 at /sys/fs/cgroup, or the v1
/// hierarchy at /sys/fs/cgroup/memory.
/// </summary>
internal sealed class MemoryCgroup : IDisposable
{
    private const string V2Root = "/sys/fs/cgroup";
    private const string V1Root = "/sys/fs/cgroup/memory";

    private readonly bool _v2;

    private MemoryCgroup(string path, bool v2, long limitBytes)
    {
        Path = path;
        _v2 = v2;
        LimitBytes = limitBytes;
    }

    /// <summary>The cgroup's directory.</summary>
    public string Path { get; }

    /// <summary>The hard limit, bytes.</summary>
    public long LimitBytes { get; }

    /// <summary>The file a process writes its pid to in order to join (before it execs the gateway).</summary>
    public string ProcsFile => System.IO.Path.Combine(Path, "cgroup.procs");

    public static MemoryCgroup Create(string name, long limitBytes)
    {
        bool v2 = File.Exists(System.IO.Path.Combine(V2Root, "cgroup.controllers"))
            && File.ReadAllText(System.IO.Path.Combine(V2Root, "cgroup.controllers")).Split(' ', StringSplitOptions.TrimEntries).Contains("memory");
        string root = v2 ? V2Root : V1Root;
        if (!v2 && !Directory.Exists(V1Root))
        {
            throw new InvalidOperationException("--memory-limit-mb needs a memory cgroup controller (cgroup v2 at /sys/fs/cgroup or v1 at /sys/fs/cgroup/memory).");
        }

        string path = System.IO.Path.Combine(root, $"sovereignty-bench-{Environment.ProcessId}-{name}");
        try
        {
            Directory.CreateDirectory(path);
            File.WriteAllText(System.IO.Path.Combine(path, v2 ? "memory.max" : "memory.limit_in_bytes"), limitBytes.ToString(CultureInfo.InvariantCulture));
            string swapMax = System.IO.Path.Combine(path, "memory.swap.max");
            if (v2 && File.Exists(swapMax))
            {
                // The limit must bound memory, not move the excess to swap.
                File.WriteAllText(swapMax, "0");
            }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new InvalidOperationException($"--memory-limit-mb: cannot create the memory cgroup {path} (run as root): {e.Message}", e);
        }

        return new MemoryCgroup(path, v2, limitBytes);
    }

    /// <summary>The most memory charged to the cgroup so far, bytes (what the limit was compared with).</summary>
    public long PeakBytes() => long.Parse(
        File.ReadAllText(System.IO.Path.Combine(Path, _v2 ? "memory.peak" : "memory.max_usage_in_bytes")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>Processes the kernel killed for exceeding the limit.</summary>
    public long OutOfMemoryKills()
    {
        string file = System.IO.Path.Combine(Path, _v2 ? "memory.events" : "memory.oom_control");
        foreach (string line in File.ReadLines(file))
        {
            if (line.StartsWith("oom_kill ", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan("oom_kill ".Length), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>Resets the peak (v1 only; on v2 the peak is the cgroup's lifetime peak).</summary>
    public void ResetPeak()
    {
        if (!_v2)
        {
            File.WriteAllText(System.IO.Path.Combine(Path, "memory.max_usage_in_bytes"), "0");
        }
    }

    public void Dispose()
    {
        // A cgroup can be removed once its processes have exited (the gateway is disposed first).
        for (int attempt = 0; attempt < 50 && Directory.Exists(Path); attempt++)
        {
            try
            {
                Directory.Delete(Path);
            }
            catch (IOException)
            {
                Thread.Sleep(100);
            }
        }
    }
}
