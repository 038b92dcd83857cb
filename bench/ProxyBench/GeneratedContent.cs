using System.Net;

namespace Sovereignty.Bench.Proxy;

/// <summary>An upload body of <c>length</c> bytes generated as it is sent (a repeated random block): nothing on disk.</summary>
internal sealed class GeneratedContent(long length, int seed) : HttpContent
{
    private static readonly int BlockSize = 256 * 1024;

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        byte[] block = new byte[BlockSize];
        new Random(seed).NextBytes(block);
        for (long sent = 0; sent < length; sent += BlockSize)
        {
            await stream.WriteAsync(block.AsMemory(0, (int)Math.Min(BlockSize, length - sent)));
        }
    }

    protected override bool TryComputeLength(out long length1)
    {
        length1 = length;
        return true;
    }
}
