using Sovereignty.KeyService.Envelope;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// An envelope in a store, as the download path sees it: the header comes from the probed
/// prefix, the segments from one ranged response of the store (what YARP fetched, or the
/// prefix itself when it holds the whole object).
/// </summary>
internal sealed class ProbedCiphertextSource(long length, ReadOnlyMemory<byte> prefix, long segmentsOffset, Stream? segments) : ICiphertextSource
{
    private bool _segmentsTaken;

    public long Length { get; } = length;

    public ValueTask<Stream> OpenReadAsync(long offset, long count, CancellationToken cancellationToken)
    {
        long available = Math.Min(count, Length - offset);
        if (offset + available <= prefix.Length || (offset < prefix.Length && offset != segmentsOffset))
        {
            // Header reads (and whole small objects): the probe holds them. A header read may ask
            // for more than the header; it stops at the header's end, which the probe contains.
            int end = (int)Math.Min(offset + available, prefix.Length);
            return ValueTask.FromResult<Stream>(new MemoryStream(prefix[(int)offset..end].ToArray(), writable: false));
        }

        if (segments is null || _segmentsTaken || offset != segmentsOffset)
        {
            // The range reader asked for bytes the plan did not fetch: a bug, never a reason to guess.
            throw new InvalidOperationException($"Ciphertext bytes from {offset} were not fetched (fetched from {segmentsOffset}).");
        }

        _segmentsTaken = true;
        return ValueTask.FromResult(segments);
    }
}
