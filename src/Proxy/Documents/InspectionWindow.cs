namespace Sovereignty.Proxy.Documents;

/// <summary>Reads the leading part of an upload that the policy engine inspects.</summary>
internal static class InspectionWindow
{
    /// <summary>
    /// Reads up to <paramref name="windowBytes"/> bytes; <c>IsComplete</c> is true when the body
    /// ended within the window (everything was inspected). The buffer grows with what arrives,
    /// so a small upload never costs a whole window.
    /// </summary>
    public static async Task<(byte[] Buffer, int Length, bool IsComplete)> ReadAsync(
        Stream body, int windowBytes, long? declaredLength, CancellationToken cancellationToken)
    {
        int initial = (int)Math.Min(windowBytes, Math.Max(declaredLength ?? 64 * 1024, 1) + 1);
        byte[] buffer = new byte[Math.Min(initial, windowBytes)];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length == windowBytes)
                {
                    // Window full: one more byte tells whether anything lies beyond it.
                    byte[] probe = new byte[1];
                    int extra = await ReadSomeAsync(body, probe, cancellationToken);
                    if (extra == 0)
                    {
                        return (buffer, length, true);
                    }

                    byte[] withExtra = new byte[length + 1];
                    buffer.AsSpan(0, length).CopyTo(withExtra);
                    withExtra[length] = probe[0];
                    return (withExtra, length + 1, false);
                }

                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, windowBytes));
            }

            int read = await ReadSomeAsync(body, buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                return (buffer, length, true);
            }

            length += read;
        }
    }

    private static async Task<int> ReadSomeAsync(Stream body, Memory<byte> buffer, CancellationToken cancellationToken) =>
        await body.ReadAsync(buffer, cancellationToken);
}
