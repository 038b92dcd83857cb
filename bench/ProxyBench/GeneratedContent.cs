using System.Net;

namespace Sovereignty.Bench.Proxy;

/// <summary>An upload body of <c>length</c> bytes generated as it is sent (a repeated random block): nothing on disk.</summary>
internal sealed class GeneratedContent(long length, int seed) : HttpContent
{
    private static readonly int BlockSize = 256 * 1024;

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        // No larger than the body: a 4 KiB PUT must not cost the load generator 256 KiB of random bytes.
        byte[] block = new byte[(int)Math.Min(BlockSize, Math.Max(length, 1))];
        new Random(seed).NextBytes(block);
        for (long sent = 0; sent < length; sent += block.Length)
        {
            await stream.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, length - sent)));
        }
    }

    protected override bool TryComputeLength(out long length1)
    {
        length1 = length;
        return true;
    }
}
