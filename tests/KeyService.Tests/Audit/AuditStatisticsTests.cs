using Microsoft.Extensions.Time.Testing;
using Sovereignty.KeyService.Audit;

namespace Sovereignty.KeyService.Tests.Audit;

[Collection(RedisCollectionDefinition.Name)]
public sealed class AuditStatisticsTests(RedisFixture redis) : IDisposable
{
    private readonly SoftwareCheckpointSigner _signer = new();

    public void Dispose() => _signer.Dispose();

    [Fact]
    public async Task ComputeAsync_ActorFarAboveTheirMedian_FlaggedAsMassDecrypt()
    {
        var prefix = AuditTestKit.NewPrefix();
        var start = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(start);
        await using (var log = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-a"), _signer, clock))
        {
            for (var day = 0; day < 14; day++)
            {
                clock.SetUtcNow(start.AddDays(day));
                await RecordAsync(log, "steady", KeyOperation.UnwrapDataKey, 20);
                await RecordAsync(log, "burst", KeyOperation.UnwrapDataKey, 10);
                await RecordAsync(log, "writer", KeyOperation.WrapDataKey, 300);
            }

            clock.SetUtcNow(start.AddDays(14));
            await RecordAsync(log, "steady", KeyOperation.UnwrapDataKey, 25);
            await RecordAsync(log, "burst", KeyOperation.DecryptKey, 150);
            await RecordAsync(log, "newcomer", KeyOperation.UnwrapDataKey, 120);
            await RecordAsync(log, "writer", KeyOperation.WrapDataKey, 900);
            await RecordAsync(log, "burst", KeyOperation.UnwrapDataKey, 3, KeyEventResult.Denied);
        }

        var until = start.AddDays(15).Date;
        var stats = await new AuditStatisticsReader(redis.Connection, prefix)
            .ComputeAsync(start.AddDays(14).AddHours(-9), new DateTimeOffset(until, TimeSpan.Zero), new MassDecryptSettings(), CancellationToken.None);

        Assert.Equal(["burst", "newcomer"], stats.MassDecrypt.Select(s => s.Actor));
        var burst = stats.MassDecrypt[0];
        Assert.Equal(150, burst.Count);
        Assert.Equal(10, burst.BaselineMedian);
        Assert.Equal(0, stats.MassDecrypt[1].BaselineMedian);

        var denied = Assert.Single(stats.Denied);
        Assert.Equal(("burst", 3L), (denied.Actor, denied.Count));

        var all = await AuditTestKit.ReadAllAsync(redis.Connection, prefix);
        var expected = all
            .Where(r => r.Timestamp >= stats.Since && r.Timestamp < stats.Until)
            .GroupBy(r => (r.Actor, Hour: new DateTimeOffset(r.Timestamp.UtcDateTime.Date.AddHours(r.Timestamp.UtcDateTime.Hour), TimeSpan.Zero)))
            .Select(g => new ActorHourCount(g.Key.Actor, g.Key.Hour, g.Count()))
            .OrderBy(c => c.Hour).ThenBy(c => c.Actor, StringComparer.Ordinal);
        Assert.Equal(expected, stats.UsesPerActorHour);
    }

    [Fact]
    public async Task ComputeAsync_EmptyWindow_Refused()
    {
        var reader = new AuditStatisticsReader(redis.Connection, AuditTestKit.NewPrefix());
        await Assert.ThrowsAsync<ArgumentException>(() => reader.ComputeAsync(AuditTestKit.Start, AuditTestKit.Start, new MassDecryptSettings(), CancellationToken.None));
    }

    private static async Task RecordAsync(RedisKeyEventLog log, string actor, KeyOperation operation, int count, KeyEventResult result = KeyEventResult.Ok)
    {
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => log.RecordAsync(AuditTestKit.Event(operation, actor: actor, result: result), CancellationToken.None).AsTask()));
    }
}
