using Sovereignty.KeyService.Envelope;
using static Sovereignty.KeyService.Tests.Envelope.EnvelopeTestData;
using Codec = Sovereignty.KeyService.Envelope.Envelope;

namespace Sovereignty.KeyService.Tests.Envelope;

/// <summary>
/// The encrypting stream's final-segment gate: everything but the last segment's tag goes out at
/// once, the tag only when the gate has completed, and a failed gate fails the read in its
/// place, so an envelope is never complete (nor its last segment authentic) before its key
/// event is.
/// </summary>
public class EnvelopeFinalSegmentGateTests
{
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(200);

    [Theory]
    [InlineData(0)]
    [InlineData(4096)]
    [InlineData(S + 1)]
    [InlineData((3 * S) + 12345)]
    public async Task ReadAsync_GateOpen_ReleasesAllButTheLastTag_ThenTheTagWhenItOpens(int size)
    {
        byte[] plaintext = Plaintext(size);
        var header = Header();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long beforeTag = EnvelopeLayout.CiphertextLength(size, header.Length) - EnvelopeLayout.TagSize;
        using var envelope = new MemoryStream();
        await using var encrypting = Codec.OpenEncryptingStream(new MemoryStream(plaintext), header, Dek, finalSegmentGate: gate.Task);
        var buffer = new byte[S];

        while (envelope.Length < beforeTag)
        {
            // Bounded: a stream that held back more than the tag would block here until the gate opens.
            int read = await encrypting.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(read > 0, "the stream ended before its last tag");
            envelope.Write(buffer, 0, read);
        }

        Task<int> last = encrypting.ReadAsync(buffer).AsTask();
        await Task.WhenAny(last, Task.Delay(Blocked));
        Assert.False(last.IsCompleted, "the last tag came out before the gate opened");
        Assert.Equal(beforeTag, envelope.Length);
        Assert.Equal(KeyErrorKind.InvalidData, DecryptCollecting(envelope.ToArray()).Error?.Kind);

        gate.SetResult();
        Assert.Equal(EnvelopeLayout.TagSize, await last);
        envelope.Write(buffer, 0, EnvelopeLayout.TagSize);
        await encrypting.CopyToAsync(envelope);

        Assert.Equal(EnvelopeLayout.CiphertextLength(size, header.Length), envelope.Length);
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
        long beforeTag = EnvelopeLayout.CiphertextLength(Size, header.Length) - EnvelopeLayout.TagSize;
        while (envelope.Length < beforeTag)
        {
            // Bounded: a stream that held back more than the tag would block here until the gate opens.
            int read = await encrypting.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(read > 0, "the stream ended before its last tag");
            envelope.Write(buffer, 0, read);
        }

        gate.SetException(new KeyServiceException(KeyErrorKind.Unavailable, "audit log unreachable (test)"));

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => encrypting.ReadAsync(buffer).AsTask());
        Assert.Equal(KeyErrorKind.Unavailable, error.Kind);
        Assert.Equal(beforeTag, envelope.Length);
        var (released, decryptError) = DecryptCollecting(envelope.ToArray());
        Assert.Equal(KeyErrorKind.InvalidData, decryptError?.Kind);
        Assert.Equal(plaintext.AsSpan(0, 2 * S).ToArray(), released);
    }

    [Fact]
    public async Task WriteAllToAsync_PushMode_WaitsForTheGateBeforeTheTag()
    {
        byte[] plaintext = Plaintext(S + 10);
        var header = Header();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var envelope = new MemoryStream();
        var encrypting = (EnvelopeEncryptingStream)Codec.OpenEncryptingStream(new MemoryStream(plaintext), header, Dek, finalSegmentGate: gate.Task);
        await using (encrypting)
        {
            Task written = encrypting.WriteAllToAsync(envelope, CancellationToken.None);
            await Task.WhenAny(written, Task.Delay(Blocked));
            Assert.False(written.IsCompleted, "the envelope was completed before the gate opened");
            Assert.Equal(EnvelopeLayout.CiphertextLength(S + 10, header.Length) - EnvelopeLayout.TagSize, envelope.Length);

            gate.SetResult();
            await written;
        }

        Assert.Equal(plaintext, Decrypt(envelope.ToArray()));
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
            Assert.Equal(10, encrypting.Read(buffer, 0, buffer.Length));
            Assert.Throws<KeyServiceException>(() => encrypting.Read(buffer, 0, buffer.Length));
        }

        using var envelope = new MemoryStream();
        using (var encrypting = Codec.OpenEncryptingStream(new MemoryStream(plaintext), header, Dek, finalSegmentGate: Task.CompletedTask))
        {
            encrypting.CopyTo(envelope);
        }

        Assert.Equal(plaintext, Decrypt(envelope.ToArray()));
    }

    [Fact]
    public void Read_EmptyBody_HeaderReadAlone_NextReadThrowsTheGateError_NotTheEnd()
    {
        // An empty body's last segment is its tag alone: a read after the header has nothing to
        // hand out before the gate, and must wait for it, not report the end of the stream.
        var header = Header();
        using var encrypting = Codec.OpenEncryptingStream(new MemoryStream([]), header, Dek,
            finalSegmentGate: Task.FromException(new KeyServiceException(KeyErrorKind.Unavailable, "audit log unreachable (test)")));
        var buffer = new byte[S];

        Assert.Equal(header.Length, encrypting.Read(buffer, 0, header.Length));
        Assert.Throws<KeyServiceException>(() => encrypting.Read(buffer, 0, buffer.Length));
    }

    [Fact]
    public async Task CopyToAsync_EmptyBody_SmallBuffer_GateFails_Throws()
    {
        var header = Header();
        await using var encrypting = Codec.OpenEncryptingStream(new MemoryStream([]), header, Dek,
            finalSegmentGate: Task.FromException(new KeyServiceException(KeyErrorKind.Unavailable, "audit log unreachable (test)")));
        using var sink = new MemoryStream();

        await Assert.ThrowsAsync<KeyServiceException>(() => encrypting.CopyToAsync(sink, 16));
        Assert.Equal(header.Length, sink.Length);
    }
}
