using System.Security.Cryptography;

namespace Sovereignty.Proxy.Smtp.Delivery;

/// <summary>
/// Exponential backoff with jitter: the n-th retry waits <c>initial × 2^(n-1)</c> times a
/// random factor in [0.8, 1.2], never more than the maximum. The jitter spreads retries of
/// many messages deferred by the same outage, so the recovered upstream is not hit at once.
/// </summary>
internal static class RetrySchedule
{
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan maximum)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var baseTicks = Math.Min((double)initial.Ticks * Math.Pow(2, exponent), maximum.Ticks);
        var jitter = RandomNumberGenerator.GetInt32(800, 1201) / 1000.0;
        return TimeSpan.FromTicks((long)Math.Min(baseTicks * jitter, maximum.Ticks));
    }
}
