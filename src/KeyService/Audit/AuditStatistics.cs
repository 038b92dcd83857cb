using StackExchange.Redis;

namespace Sovereignty.KeyService.Audit;

/// <summary>Key events of one actor in one hour (UTC), all results.</summary>
public sealed record ActorHourCount(string Actor, DateTimeOffset Hour, long Count);

/// <summary>
/// An actor who unwrapped or decrypted more than usual on <see cref="Day"/>: more than
/// <c>factor</c> times the median of their daily counts over the baseline days (days
/// without activity count as 0), and at least the minimum count.
/// </summary>
public sealed record MassDecryptSignal(string Actor, DateOnly Day, long Count, double BaselineMedian, IReadOnlyList<long> BaselineDays);

/// <summary>Denied attempts of one actor in the window.</summary>
public sealed record DeniedCount(string Actor, long Count, DateTimeOffset Latest);

/// <summary>The answers to the usual auditor questions for one window.</summary>
public sealed record AuditStatistics(
    DateTimeOffset Since,
    DateTimeOffset Until,
    IReadOnlyList<ActorHourCount> UsesPerActorHour,
    IReadOnlyList<MassDecryptSignal> MassDecrypt,
    IReadOnlyList<DeniedCount> Denied);

/// <summary>Parameters of the mass-decrypt signal.</summary>
/// <param name="BaselineDays">Prior full days forming each actor's usual volume (default 14).</param>
/// <param name="Factor">How many times the median counts as unusual (default 3).</param>
/// <param name="Minimum">Counts below this are never flagged (default 100), so a median of 0 does not flag a handful.</param>
public sealed record MassDecryptSettings(int BaselineDays = 14, double Factor = 3, long Minimum = 100);

/// <summary>
/// Computes <see cref="AuditStatistics"/> from the per-node activity counters (hourly uses,
/// daily decrypts) that the append script maintains, and denied attempts from the result
/// index: cost grows with actors and hours, not with events.
/// </summary>
public sealed class AuditStatisticsReader
{
    private const int MaxHours = 24 * 31;
    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly AuditReader _reader;

    public AuditStatisticsReader(IConnectionMultiplexer redis, string keyPrefix)
    {
        _redis = redis;
        _prefix = keyPrefix;
        _reader = new AuditReader(redis, keyPrefix);
    }

    /// <summary>Statistics for [<paramref name="since"/>, <paramref name="until"/>); the mass-decrypt signal is for the UTC day of <paramref name="until"/> minus one tick.</summary>
    public async Task<AuditStatistics> ComputeAsync(DateTimeOffset since, DateTimeOffset until, MassDecryptSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (until <= since)
        {
            throw new ArgumentException("The window is empty: --until must be after --since.", nameof(until));
        }

        var nodes = await _reader.NodesAsync();
        var db = _redis.GetDatabase();

        var hours = new List<DateTimeOffset>();
        var hour = new DateTimeOffset(since.UtcDateTime.Date.AddHours(since.UtcDateTime.Hour), TimeSpan.Zero);
        for (; hour < until; hour = hour.AddHours(1))
        {
            hours.Add(hour);
            if (hours.Count > MaxHours)
            {
                throw new ArgumentException($"The window is longer than {MaxHours} hours.", nameof(until));
            }
        }

        var uses = new Dictionary<(string Actor, DateTimeOffset Hour), long>();
        foreach (var node in nodes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var keys = new AuditKeys(_prefix, node);
            var fetches = hours.Select(h => (Hour: h, Task: db.HashGetAllAsync(keys.HourlyUses(h)))).ToArray();
            await Task.WhenAll(fetches.Select(f => f.Task));
            foreach (var (h, task) in fetches)
            {
                foreach (var entry in task.Result)
                {
                    var key = ((string)entry.Name!, h);
                    uses[key] = uses.GetValueOrDefault(key) + (long)entry.Value;
                }
            }
        }

        var day = DateOnly.FromDateTime(until.UtcDateTime.AddTicks(-1));
        var days = Enumerable.Range(0, settings.BaselineDays + 1).Select(i => day.AddDays(-i)).ToArray();
        var daily = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var keys = new AuditKeys(_prefix, node);
            var fetches = days.Select(d => db.HashGetAllAsync(keys.DailyDecrypts(d.ToDateTime(TimeOnly.MinValue)))).ToArray();
            await Task.WhenAll(fetches);
            for (var i = 0; i < days.Length; i++)
            {
                foreach (var entry in fetches[i].Result)
                {
                    var actor = (string)entry.Name!;
                    if (!daily.TryGetValue(actor, out var counts))
                    {
                        counts = new long[days.Length];
                        daily.Add(actor, counts);
                    }

                    counts[i] += (long)entry.Value;
                }
            }
        }

        var signals = new List<MassDecryptSignal>();
        foreach (var (actor, counts) in daily)
        {
            var baseline = counts[1..];
            var median = Median(baseline);
            if (counts[0] >= settings.Minimum && counts[0] > settings.Factor * median)
            {
                signals.Add(new MassDecryptSignal(actor, day, counts[0], median, baseline));
            }
        }

        var denied = await _reader.QueryAsync(new AuditQuery { Result = KeyEventResult.Denied, Since = since, Until = until, Limit = 10_000 }, cancellationToken);
        var deniedCounts = denied
            .GroupBy(r => r.Actor, StringComparer.Ordinal)
            .Select(g => new DeniedCount(g.Key, g.Count(), g.Max(r => r.Timestamp)))
            .OrderByDescending(d => d.Count).ThenBy(d => d.Actor, StringComparer.Ordinal)
            .ToList();

        return new AuditStatistics(
            since,
            until,
            [.. uses.Select(u => new ActorHourCount(u.Key.Actor, u.Key.Hour, u.Value)).OrderBy(u => u.Hour).ThenBy(u => u.Actor, StringComparer.Ordinal)],
            [.. signals.OrderByDescending(s => s.Count).ThenBy(s => s.Actor, StringComparer.Ordinal)],
            deniedCounts);
    }

    internal static double Median(IReadOnlyList<long> values)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2.0;
    }
}
