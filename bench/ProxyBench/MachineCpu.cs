namespace Sovereignty.Bench.Proxy;

/// <summary>
/// CPU time the whole machine spent busy (user, nice, system, irq, softirq; not idle, iowait or
/// steal), from the first line of /proc/stat. At saturation every process of the benchmark shares
/// the same cores (gateway, load generator, nginx, Redis, SoftHSM in the gateway), so what a
/// request costs all of them together sets the closed-loop throughput, and with it the p50.
/// </summary>
/// <remarks>
/// Read only over saturated phases. At partial load (800 req/s) this VM's tick-sampled busy
/// time came out below the gateway process's own CPU time (147 against 482 µs per request),
/// which cannot be; with both cores busy it matched the throughput ratio (444 / 844 µs per
/// 4 KiB PUT for plain YARP / Sovereignty, 4,302 / 2,204 PUTs/s).
/// </remarks>
internal static class MachineCpu
{
    private static readonly double TickSeconds = 1.0 / 100; // USER_HZ, 100 on Linux

    /// <summary>Busy CPU time since boot, or null where /proc/stat cannot be read.</summary>
    public static TimeSpan? Busy()
    {
        try
        {
            string first = File.ReadLines("/proc/stat").First();
            long[] ticks = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            long busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]; // user nice system irq softirq
            return TimeSpan.FromSeconds(busy * TickSeconds);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
