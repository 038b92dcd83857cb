using Sovereignty.KeyService.Envelope;
using static Sovereignty.KeyService.Tests.Envelope.EnvelopeTestData;
using Codec = Sovereignty.KeyService.Envelope.Envelope;

namespace Sovereignty.KeyService.Tests.Envelope;

/// <summary>
/// The encrypting stream's final-segment gate: everything but the last segment goes out at
/// once, the last only when the gate has completed, and a failed gate fails the read in its
/// place, so an envelope is never complete before its key event is.
/// </summary>
public class EnvelopeFinalSegmentGateTests
{
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(200);

    [Theory]
    [InlineData(S + 1)]
    [InlineData((3 * S) + 12345)]
    public async Task ReadAsync_GateOpen_ReleasesAllButTheLastSegment_ThenTheRestWhenItOpens(int size)
    {
        byte[] plaintext = Plaintext(size);
        var header = Header();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long beforeLast = EnvelopeLayout.SegmentOffset((size - 1) / S, header.Length);
        using var envelope = new MemoryStream();
        await using var encrypting = Codec.OpenEncryptingStream(new MemoryStream(plaintext), header, Dek, finalSegmentGate: gate.Task);
        var buffer = new byte[S];

        while (envelope.Length < beforeLast)
        {
            int read = await encrypting.ReadAsync(buffer);
            Assert.True(read > 0, "the stream ended before its last segment");
            envelope.Write(buffer, 0, read);
        }

        Task<int> last = encrypting.ReadAsync(buffer).AsTask();
        await Task.WhenAny(last, Task.Delay(Blocked));
        Assert.False(last.IsCompleted, "the last segment came out before the gate opened");
        Assert.Equal(beforeLast, envelope.Length);

        gate.SetResult();
        envelope.Write(buffer, 0, await last);
        await encrypting.CopyToAsync(envelope);

        Assert.Equal(EnvelopeLayout.CiphertextLength(size, header.Length), envelope.Length);
        Assert.Equal(plaintext, Decrypt(envelope.ToArray()));
    }

    [Fact]
    public async Task ReadAsync_SingleSegment_NothingBeyondTheHeaderBeforeTheGateOpens()
    {
        byte[] plaintext = Plaintext(4096);
        var header = Header();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var encrypting = Codec.OpenEncryptingStream(new MemoryStream(plaintext), header, Dek, finalSegmentGate: gate.Task);
        var buffer = new byte[S];

        Task<int> first = encrypting.ReadAsync(buffer).AsTask();
        await Task.WhenAny(first, Task.Delay(Blocked));
        Assert.False(first.IsCompleted, "the only segment came out before the gate opened");

        gate.SetResult();
        using var envelope = new MemoryStream();
        envelope.Write(buffer, 0, await first);
        await encrypting.CopyToAsync(envelope);
        Assert.Equal(plaintext, Decrypt(envelope.ToArray()));
    }

    [Fact]
    public async Task ReadAsync_GateFails_LastReadThrowsItsError_AndWhatWasReleasedNeverDecryptsAsComplete()
    {
        const int Size = (2 * S) + 500;
        byte[] plaintext = Plaintext(Size);
        var header = Header();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var envelope = new MemoryStream();
        await using var encrypting = Codec.OpenEncryptingStream(new MemoryStream(plaintext), header, Dek, finalSegmentGate: gate.Task);
        var buffer = new byte[S];
        long beforeLast = EnvelopeLayout.SegmentOffset(2, header.Length);
        while (envelope.Length < beforeLast)
        {
            int read = await encrypting.ReadAsync(buffer);
            Assert.True(read > 0, "the stream ended before its last segment");
            envelope.Write(buffer, 0, read);
        }

        gate.SetException(new KeyServiceException(KeyErrorKind.Unavailable, "audit log unreachable (test)"));

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => encrypting.ReadAsync(buffer).AsTask());
        Assert.Equal(KeyErrorKind.Unavailable, error.Kind);
        Assert.Equal(beforeLast, envelope.Length);
        var (released, decryptError) = DecryptCollecting(envelope.ToArray());
        Assert.Equal(KeyErrorKind.InvalidData, decryptError?.Kind);
        Assert.True(released.Length <= 2 * S);
    }

    [Fact]
    public void Read_Synchronous_WaitsForTheGate_AndThrowsWhenItFailed()
    {
        byte[] plaintext = Plaintext(S + 10);
        var header = Header();
        var buffer = new byte[2 * S];

        var failed = new TaskCompletionSource();
        failed.SetException(new KeyServiceException(KeyErrorKind.Unavailable, "audit log unreachable (test)"));
        using (var encrypting = Codec.OpenEncryptingStream(new MemoryStream(plaintext), header, Dek, finalSegmentGate: failed.Task))
        {
            Assert.Equal(header.Length + EnvelopeLayout.CiphertextSegmentSize, encrypting.Read(buffer, 0, buffer.Length));
            Assert.Throws<KeyServiceException>(() => encrypting.Read(buffer, 0, buffer.Length));
        }

        using var envelope = new MemoryStream();
        using (var encrypting = Codec.OpenEncryptingStream(new MemoryStream(plaintext), header, Dek, finalSegmentGate: Task.CompletedTask))
        {
            encrypting.CopyTo(envelope);
        }

        Assert.Equal(plaintext, Decrypt(envelope.ToArray()));
    }
}
