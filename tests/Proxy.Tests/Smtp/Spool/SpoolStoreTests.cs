using System.Buffers;
using System.Text;
using Sovereignty.Proxy.Smtp.Spool;
using Sovereignty.Proxy.Tests.Smtp.Testing;

namespace Sovereignty.Proxy.Tests.Smtp.Spool;

public sealed class SpoolStoreTests
{
    private static readonly byte[] Message = Encoding.ASCII.GetBytes("Message-ID: <m1@client.test>\r\nSubject: s\r\n\r\nbody\r\n");

    [Fact]
    public async Task EnqueueAsync_ThenRead_RoundTripsEnvelopeAndBytes()
    {
        using var temp = new TempDirectory();
        var spool = new SpoolStore(temp.Combine("spool"), TimeProvider.System);
        spool.EnsureCreated();

        var envelope = await spool.EnqueueAsync("s@example.org", ["r1@example.net", "r2@example.net"], "127.0.0.1:1", new ReadOnlySequence<byte>(Message), TimeSpan.FromDays(1), isBounce: false, CancellationToken.None);
        var entry = spool.TryRead(envelope.Id)!;
        using var stream = spool.OpenMessage(envelope.Id);
        var bytes = new MemoryStream();
        await stream.CopyToAsync(bytes);

        Assert.True(QueueId.IsValid(envelope.Id));
        Assert.Equal("<m1@client.test>", entry.Envelope.MessageId);
        Assert.Equal(["r1@example.net", "r2@example.net"], entry.State.Recipients.Select(r => r.Address));
        Assert.All(entry.State.Recipients, r => Assert.Equal(RecipientStatus.Pending, r.Status));
        Assert.Equal(Message, bytes.ToArray());
        Assert.Equal([envelope.Id], spool.ListIds());
    }

    [Fact]
    public async Task TryLease_HeldByAnotherWorker_ReturnsNullUntilReleased()
    {
        using var temp = new TempDirectory();
        var spool = new SpoolStore(temp.Combine("spool"), TimeProvider.System);
        spool.EnsureCreated();
        var id = (await spool.EnqueueAsync("s@example.org", ["r@example.net"], "x", new ReadOnlySequence<byte>(Message), TimeSpan.FromDays(1), false, CancellationToken.None)).Id;
        var otherWorker = new SpoolStore(temp.Combine("spool"), TimeProvider.System);

        using (var lease = spool.TryLease(id))
        {
            Assert.NotNull(lease);
            Assert.Null(otherWorker.TryLease(id));
            Assert.Null(spool.TryLease(id));
        }

        using var after = otherWorker.TryLease(id);
        Assert.NotNull(after);
    }

    [Fact]
    public async Task SaveState_ThenRemove_StateRoundTripsAndRemoveDeletesEverything()
    {
        using var temp = new TempDirectory();
        var spool = new SpoolStore(temp.Combine("spool"), TimeProvider.System);
        spool.EnsureCreated();
        var id = (await spool.EnqueueAsync("s@example.org", ["r@example.net"], "x", new ReadOnlySequence<byte>(Message), TimeSpan.FromDays(1), false, CancellationToken.None)).Id;

        using (var lease = spool.TryLease(id)!)
        {
            var next = DateTimeOffset.UtcNow.AddMinutes(3);
            spool.SaveState(lease, new DeliveryState { Attempts = 2, NextAttemptAt = next, LastError = "451 4.3.0 later", Recipients = [new RecipientState("r@example.net", RecipientStatus.Pending, "451 4.3.0 later")] });
            var entry = spool.TryRead(id)!;
            Assert.Equal(2, entry.State.Attempts);
            Assert.Equal(next, entry.State.NextAttemptAt);
            spool.Remove(lease);
        }

        Assert.Null(spool.TryRead(id));
        Assert.Empty(Directory.GetFiles(temp.Combine("spool"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Recover_AfterCrash_DeletesUnacknowledgedWritesAndOrphansButKeepsQueuedMessages()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("spool");
        var spool = new SpoolStore(root, TimeProvider.System);
        spool.EnsureCreated();
        var id = (await spool.EnqueueAsync("s@example.org", ["r@example.net"], "x", new ReadOnlySequence<byte>(Message), TimeSpan.FromDays(1), false, CancellationToken.None)).Id;
        // What a crash can leave: a half-written message never acknowledged, a state and a lock whose message is gone.
        await File.WriteAllTextAsync(Path.Combine(root, "tmp", "0000000000000000dead.msg"), "{\"id\":");
        await File.WriteAllTextAsync(Path.Combine(root, "queue", "0000000000000000beef.state"), "{}");
        await File.WriteAllTextAsync(Path.Combine(root, "locks", "0000000000000000beef.lock"), "");

        var removed = spool.Recover();

        Assert.Equal(3, removed);
        Assert.Equal([id], spool.ListIds());
        Assert.Empty(Directory.GetFiles(Path.Combine(root, "tmp")));
        Assert.False(File.Exists(Path.Combine(root, "queue", "0000000000000000beef.state")));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("01A22206CA000AACD9C1")]
    [InlineData("01a22206ca000aacd9c")]
    public void TryRead_NotAQueueId_ReturnsNullWithoutTouchingFiles(string id)
    {
        using var temp = new TempDirectory();
        var spool = new SpoolStore(temp.Combine("spool"), TimeProvider.System);
        spool.EnsureCreated();

        Assert.Null(spool.TryRead(id));
        Assert.Null(spool.TryLease(id));
    }
}
