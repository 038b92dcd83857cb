using Microsoft.Extensions.Options;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.DataKeys;
using Sovereignty.KeyService.Envelope;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Tests.Keys;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.DataKeys;

/// <summary>Envelope encryption end to end through the real key ring on a real SoftHSM token.</summary>
public sealed class DocumentCipherHsmTests : IClassFixture<SoftHsmToken>
{
    private const string Class = "confidential-fr";
    private const int S = EnvelopeLayout.SegmentSize;
    private static readonly KeyUse Use = new() { Actor = "alice", ObjectId = "/sites/hr/contract.pdf", Purpose = "rule-1", CorrelationId = "c-1" };
    private static readonly EncryptionContext Context = EncryptionContext.Parse(["object=/sites/hr/contract.pdf", "label=confidential", "policy=3f2a"]);
    private readonly SoftHsmToken _token;

    public DocumentCipherHsmTests(SoftHsmToken token)
    {
        _token = token;
    }

    /// <summary>A data-key service with its own DEK cache over the harness's key ring (a fresh gateway process, as far as caching goes).</summary>
    private static (DocumentCipher Cipher, DataKeyService DataKeys) NewService(KeyServiceHarness harness, int maxEntries = 100)
    {
        var cache = new DekCache(Options.Create(new DekCacheOptions { MaxEntries = maxEntries }), harness.Time);
        var dataKeys = new DataKeyService(harness.Ring, harness.Log, cache);
        return (new DocumentCipher(dataKeys), dataKeys);
    }

    private static async Task<byte[]> EncryptAsync(DocumentCipher cipher, byte[] plaintext, EncryptionContext? context = null)
    {
        using var output = new MemoryStream();
        await cipher.EncryptAsync(new MemoryStream(plaintext), output, Class, context ?? Context, Use, CancellationToken.None);
        return output.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(DocumentCipher cipher, byte[] envelope, EncryptionContext? expected = null)
    {
        using var output = new MemoryStream();
        await cipher.DecryptAsync(new MemoryStream(envelope), output, Use, expected, CancellationToken.None);
        return output.ToArray();
    }

    private static int HsmCalls(IEnumerable<KeyEvent> events, KeyOperation operation) =>
        events.Count(e => e.Operation == operation && e.Detail is null);

    private static int CacheHits(IEnumerable<KeyEvent> events) =>
        events.Count(e => e.Operation == KeyOperation.UnwrapDataKey && e.Detail is { } d && d.TryGetValue("cache", out var v) && v == "hit");

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(S - 1)]
    [InlineData(S)]
    [InlineData(S + 1)]
    [InlineData((3 * S) + 99)]
    public async Task EncryptAsync_ThenDecryptAsync_RoundTripsWithOneHsmCallEach(int size)
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Drain();
        var (cipher, _) = NewService(harness);
        byte[] plaintext = new byte[size];
        Random.Shared.NextBytes(plaintext);

        byte[] envelope = await EncryptAsync(cipher, plaintext);
        var writeEvents = harness.Log.Drain();
        byte[] decrypted = await DecryptAsync(cipher, envelope, Context);
        var readEvents = harness.Log.Drain();

        Assert.Equal(plaintext, decrypted);
        Assert.Equal(1, HsmCalls(writeEvents, KeyOperation.WrapDataKey));
        Assert.Single(writeEvents);
        Assert.Equal(1, HsmCalls(readEvents, KeyOperation.UnwrapDataKey));
        Assert.Single(readEvents);
        Assert.Equal(Use, readEvents[0].Use);
    }

    [Fact]
    public async Task DecryptAsync_SecondRead_HitsTheCacheWithoutHsmCallAndRecordsTheUse()
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        var (cipher, dataKeys) = NewService(harness);
        byte[] envelope = await EncryptAsync(cipher, new byte[1000]);
        await DecryptAsync(cipher, envelope);
        harness.Log.Drain();

        await DecryptAsync(cipher, envelope);
        var events = harness.Log.Drain();

        var hit = Assert.Single(events);
        Assert.Equal(1, CacheHits(events));
        Assert.Equal(KeyEventResult.Ok, hit.Result);
        Assert.Equal(Class, hit.KeyClass);
        Assert.Equal(1, hit.Key!.Version);
        Assert.Equal(Use, hit.Use);
        Assert.Equal(1, dataKeys.Cache.Count);
    }

    [Fact]
    public async Task UnwrapAsync_CacheHitWhileAuditLogFails_FailsRetryableAndReleasesNothing()
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        var (cipher, dataKeys) = NewService(harness);
        byte[] envelope = await EncryptAsync(cipher, new byte[1000]);
        await DecryptAsync(cipher, envelope);
        var header = await KeyService.Envelope.Envelope.ReadHeaderAsync(new MemoryStream(envelope), CancellationToken.None);

        harness.Log.Fail = true;
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => dataKeys.UnwrapAsync(header, Use, CancellationToken.None));
        using var output = new MemoryStream();
        var decryptError = await Assert.ThrowsAsync<KeyServiceException>(() => cipher.DecryptAsync(new MemoryStream(envelope), output, Use, null, CancellationToken.None));

        Assert.True(error.IsRetryable);
        Assert.Equal(KeyErrorKind.Unavailable, decryptError.Kind);
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public async Task DecryptAsync_AfterRotation_OldAndNewVersionsBothDecrypt()
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        var (cipher, _) = NewService(harness);
        byte[] oldPlain = [1, 2, 3];
        byte[] oldEnvelope = await EncryptAsync(cipher, oldPlain);

        var rotated = await harness.Manager.RotateAsync(Class, Use, default);
        byte[] newPlain = [4, 5, 6, 7];
        byte[] newEnvelope = await EncryptAsync(cipher, newPlain);

        var (reader, _) = NewService(harness);
        Assert.Equal(2, rotated.Version);
        Assert.Equal(1, (await KeyService.Envelope.Envelope.ReadHeaderAsync(new MemoryStream(oldEnvelope), default)).Key.Version);
        Assert.Equal(rotated, (await KeyService.Envelope.Envelope.ReadHeaderAsync(new MemoryStream(newEnvelope), default)).Key);
        Assert.Equal(oldPlain, await DecryptAsync(reader, oldEnvelope));
        Assert.Equal(newPlain, await DecryptAsync(reader, newEnvelope));
    }

    [Fact]
    public async Task DecryptAsync_AfterShred_FailsWithKeyDestroyedAndWritesNothing()
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        var (cipher, _) = NewService(harness);
        byte[] doomed = await EncryptAsync(cipher, new byte[5000]);
        await harness.Manager.RotateAsync(Class, Use, default);
        byte[] survivor = await EncryptAsync(cipher, [9, 9, 9]);

        Assert.Equal(1, await harness.Manager.ShredAsync(Class, 1, Use, default));

        var (reader, _) = NewService(harness);
        using var output = new MemoryStream();
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => reader.DecryptAsync(new MemoryStream(doomed), output, Use, null, CancellationToken.None));
        Assert.Equal(KeyErrorKind.KeyDestroyed, error.Kind);
        Assert.False(error.IsRetryable);
        Assert.Equal(0, output.Length);
        Assert.Equal([9, 9, 9], await DecryptAsync(reader, survivor));
    }

    [Fact]
    public async Task DecryptAsync_AfterShredWithWarmCache_EvictingTheVersionMakesItFail()
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        var (cipher, dataKeys) = NewService(harness);
        byte[] envelope = await EncryptAsync(cipher, new byte[10]);
        await DecryptAsync(cipher, envelope);
        var key = (await KeyService.Envelope.Envelope.ReadHeaderAsync(new MemoryStream(envelope), default)).Key;
        await harness.Manager.RotateAsync(Class, Use, default);
        await harness.Manager.ShredAsync(Class, 1, Use, default);

        Assert.Equal(1, dataKeys.Cache.Evict(key));
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => DecryptAsync(cipher, envelope));
        Assert.Equal(KeyErrorKind.KeyDestroyed, error.Kind);
    }

    [Fact]
    public async Task DecryptAsync_ExpectedContextDiffers_RefusedBeforeAnyKeyUse()
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        var (cipher, _) = NewService(harness);
        byte[] envelope = await EncryptAsync(cipher, new byte[100]);
        harness.Log.Drain();

        var other = EncryptionContext.Parse(["object=/sites/public/contract.pdf", "label=public", "policy=3f2a"]);
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => DecryptAsync(cipher, envelope, other));

        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
        Assert.Contains("encryption context", error.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Log.Drain());
    }

    [Fact]
    public async Task DecryptAsync_WrappedKeyFromAnotherEnvelopeSpliced_RefusedByCommitment()
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        var (cipher, _) = NewService(harness);
        byte[] a = await EncryptAsync(cipher, new byte[100]);
        byte[] b = await EncryptAsync(cipher, new byte[100]);
        var headerA = await KeyService.Envelope.Envelope.ReadHeaderAsync(new MemoryStream(a), default);

        // Header of A with B's commitment: the HSM unwraps A's key, the commitment check refuses.
        byte[] forged = (byte[])a.Clone();
        Array.Copy(b, headerA.Length - 32, forged, headerA.Length - 32, 32);
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => DecryptAsync(NewService(harness).Cipher, forged));
        Assert.Contains("key commitment mismatch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptAsync_UnknownClass_FailsWithKeyNotFound()
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        var (cipher, _) = NewService(harness);
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => cipher.EncryptAsync(new MemoryStream([1]), Stream.Null, "no-such-class", Context, Use, CancellationToken.None));
        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
    }

    [Fact]
    public async Task OpenRangeAsync_RealHsm_ReturnsTheRangeWithOneUnwrap()
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        var (cipher, _) = NewService(harness);
        byte[] plaintext = new byte[(2 * S) + 10];
        Random.Shared.NextBytes(plaintext);
        byte[] envelope = await EncryptAsync(cipher, plaintext);
        harness.Log.Drain();

        var (reader, _) = NewService(harness);
        var opened = await reader.OpenRangeAsync(new MemoryCiphertextSource(envelope), S - 5, 20, Use, Context, CancellationToken.None);
        using var output = new MemoryStream();
        await using (opened.Content)
        {
            await opened.Content.CopyToAsync(output);
        }

        Assert.Equal(plaintext.AsSpan(S - 5, 20).ToArray(), output.ToArray());
        Assert.Equal(plaintext.Length, opened.PlaintextLength);
        Assert.Equal(1, HsmCalls(harness.Log.Drain(), KeyOperation.UnwrapDataKey));
    }

    [Fact]
    public async Task OpenEncryptingStreamAsync_PulledByReader_DecryptsThroughOpenDecryptorAsync()
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        var (cipher, _) = NewService(harness);
        byte[] plaintext = new byte[S + 77];
        Random.Shared.NextBytes(plaintext);

        var upload = await cipher.OpenEncryptingStreamAsync(new MemoryStream(plaintext), Class, Context, Use, leaveOpen: false, CancellationToken.None);
        using var stored = new MemoryStream();
        await using (upload.Content)
        {
            await upload.Content.CopyToAsync(stored);
        }

        Assert.Equal(upload.Header.GetEnvelopeLength(plaintext.Length), stored.Length);
        using var decryptor = await NewService(harness).Cipher.OpenDecryptorAsync(upload.Header, Use, Context, CancellationToken.None);
        var (first, last) = EnvelopeLayout.CiphertextRange(S, 77, plaintext.Length, upload.Header.Length);
        using var output = new MemoryStream();
        await decryptor.DecryptRangeAsync(new MemoryStream(stored.ToArray()[(int)first..(int)(last + 1)]), plaintext.Length, S, 77, output, CancellationToken.None);
        Assert.Equal(plaintext.AsSpan(S, 77).ToArray(), output.ToArray());
    }

    [Fact]
    public async Task OpenEncryptingStreamAheadOfRecordAsync_SlowLog_LastTagWaitsForTheWrapEvent()
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Drain();
        var (cipher, _) = NewService(harness);
        byte[] plaintext = new byte[(2 * S) + 300];
        Random.Shared.NextBytes(plaintext);
        harness.Log.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var upload = await cipher.OpenEncryptingStreamAheadOfRecordAsync(new MemoryStream(plaintext), Class, Context, Use, leaveOpen: false, CancellationToken.None);
        long beforeTag = EnvelopeLayout.CiphertextLength(plaintext.Length, upload.Header.Length) - EnvelopeLayout.TagSize;
        using var stored = new MemoryStream();
        await using (upload.Content)
        {
            var buffer = new byte[S];
            while (stored.Length < beforeTag)
            {
                int read = await upload.Content.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                Assert.True(read > 0, "the envelope ended before its last tag");
                stored.Write(buffer, 0, read);
            }

            Task<int> last = upload.Content.ReadAsync(buffer).AsTask();
            await Task.WhenAny(last, Task.Delay(200));
            Assert.False(last.IsCompleted, "the last tag went out before the wrap's event was recorded");
            Assert.Equal(beforeTag, stored.Length);
            Assert.False(upload.KeyEventRecorded.IsCompleted);
            Assert.Empty(harness.Log.Events);

            harness.Log.Hold.SetResult();
            stored.Write(buffer, 0, await last);
            await upload.Content.CopyToAsync(stored);
        }

        await upload.KeyEventRecorded;
        Assert.Equal(1, HsmCalls(harness.Log.Drain(), KeyOperation.WrapDataKey));
        harness.Log.Hold = null;
        Assert.Equal(plaintext, await DecryptAsync(NewService(harness).Cipher, stored.ToArray(), Context));
    }

    [Fact]
    public async Task OpenEncryptingStreamAheadOfRecordAsync_LogFails_LastTagNeverComesOut()
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Drain();
        var (cipher, _) = NewService(harness);
        byte[] plaintext = new byte[S + 300];
        Random.Shared.NextBytes(plaintext);
        harness.Log.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var upload = await cipher.OpenEncryptingStreamAheadOfRecordAsync(new MemoryStream(plaintext), Class, Context, Use, leaveOpen: false, CancellationToken.None);
        harness.Log.Hold.SetException(new InvalidOperationException("Redis went away (test)"));
        using var stored = new MemoryStream();
        KeyServiceException error;
        await using (upload.Content)
        {
            error = await Assert.ThrowsAsync<KeyServiceException>(() => upload.Content.CopyToAsync(stored));
        }

        Assert.Equal(KeyErrorKind.Unavailable, error.Kind);
        Assert.Equal(EnvelopeLayout.CiphertextLength(plaintext.Length, upload.Header.Length) - EnvelopeLayout.TagSize, stored.Length);
        Assert.Equal(KeyErrorKind.Unavailable, (await Assert.ThrowsAsync<KeyServiceException>(() => upload.KeyEventRecorded)).Kind);
        Assert.Empty(harness.Log.Events);
    }

    [Fact]
    public async Task CreateWriteStreamAsync_WrittenThenCompleted_DecryptsWithOneWrap()
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Drain();
        var (cipher, _) = NewService(harness);
        byte[] plaintext = new byte[(2 * S) + 5];
        Random.Shared.NextBytes(plaintext);

        using var stored = new MemoryStream();
        await using (var writer = await cipher.CreateWriteStreamAsync(stored, Class, Context, Use, leaveOpen: true, CancellationToken.None))
        {
            await writer.WriteAsync(plaintext.AsMemory(0, 1000));
            await writer.WriteAsync(plaintext.AsMemory(1000));
            await writer.CompleteAsync(CancellationToken.None);
        }

        Assert.Equal(1, HsmCalls(harness.Log.Drain(), KeyOperation.WrapDataKey));
        Assert.Equal(plaintext, await DecryptAsync(cipher, stored.ToArray(), Context));
    }

    [Fact]
    public async Task DocumentCipher_ManyConcurrentTasks_AllRoundTripWithOneWrapPerObject()
    {
        await using var harness = KeyServiceHarness.Create(_token, Class);
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Drain();
        var (cipher, _) = NewService(harness, maxEntries: 1000);
        const int Tasks = 32;

        var results = await Task.WhenAll(Enumerable.Range(0, Tasks).Select(i => Task.Run(async () =>
        {
            byte[] plaintext = new byte[Random.Shared.Next(0, 3 * S)];
            Random.Shared.NextBytes(plaintext);
            var context = EncryptionContext.Parse([$"object=/doc/{i}"]);
            byte[] envelope = await EncryptAsync(cipher, plaintext, context);
            byte[] first = await DecryptAsync(cipher, envelope, context);
            byte[] second = await DecryptAsync(cipher, envelope, context);
            return plaintext.AsSpan().SequenceEqual(first) && plaintext.AsSpan().SequenceEqual(second);
        })));

        var events = harness.Log.Drain();
        Assert.All(results, Assert.True);
        Assert.Equal(Tasks, HsmCalls(events, KeyOperation.WrapDataKey));
        Assert.Equal(Tasks, HsmCalls(events, KeyOperation.UnwrapDataKey));
        Assert.Equal(Tasks, CacheHits(events));
    }
}
