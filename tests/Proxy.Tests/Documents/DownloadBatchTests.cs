using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Envelope;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>
/// Downloads of objects spanning several decryption batches (the gateway decrypts a few
/// segments per write and reads the next ones while the previous write is in flight): ranges
/// across batch edges, and tampering in a segment read ahead of what was already sent.
/// </summary>
[Collection(GatewayGroup.Name)]
public sealed class DownloadBatchTests(GatewayFixture gateway)
{
    private const int S = EnvelopeLayout.SegmentSize;
    private const int Size = 1_500_000; // 23 segments

    [Theory]
    [InlineData("bytes=200000-900000", 200_000, 700_001)]
    [InlineData("bytes=262143-262144", 262_143, 2)]
    [InlineData("bytes=-600000", Size - 600_000, 600_000)]
    [InlineData("bytes=0-", 0, Size)]
    public async Task Get_RangeAcrossDecryptionBatches_Returns206WithPlaintextBytes(string range, int offset, int count)
    {
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        await RangeRoundTrip.AssertAsync(client, "batches", Size, seed: 51, range, offset, count);
    }

    [Fact]
    public async Task Get_TamperedSegmentInALaterBatch_SendsOnlyAuthenticPlaintextBeforeItThenAborts()
    {
        byte[] body = RoundTripTests.Content(Size, seed: 52);
        string path = $"/batches/{Guid.NewGuid():N}.bin";
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        (await client.PutAsync(path, new ByteArrayContent(body))).EnsureSuccessStatusCode();

        // The policy's residency decides the store (a large binary may be classified higher).
        string stored = new[] { gateway.Eu.StoredPath(path), gateway.Fr.StoredPath(path) }.Single(File.Exists);
        byte[] envelope = await File.ReadAllBytesAsync(stored);
        // Counted from the end (the header length does not matter): inside segment 13 of 23.
        const int fromEnd = 600_000;
        long segment = (Size + (23 * EnvelopeLayout.TagSize) - fromEnd) / EnvelopeLayout.CiphertextSegmentSize;
        Assert.Equal(13, segment);
        envelope[^fromEnd] ^= 0x01;
        await File.WriteAllBytesAsync(stored, envelope);

        using var received = new MemoryStream();
        Exception? failure = await Record.ExceptionAsync(async () =>
        {
            using HttpResponseMessage response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
            await using Stream content = await response.Content.ReadAsStreamAsync();
            await content.CopyToAsync(received);
        });

        Assert.True(failure is HttpRequestException or IOException, failure?.ToString() ?? $"the tampered object was served ({received.Length} bytes)");
        // Whatever arrived is authentic plaintext from before the tampered segment.
        Assert.True(received.Length <= segment * S, $"{received.Length} bytes arrived, beyond the start of segment {segment}");
        Assert.Equal(body.AsSpan(0, (int)received.Length).ToArray(), received.ToArray());

        IReadOnlyList<AuditRecord> events = await gateway.AuditAsync("documents:" + path);
        Assert.Contains(events, e => e.Result == KeyEventResult.Error && e.ErrorCode == "CiphertextTampered");
    }
}
