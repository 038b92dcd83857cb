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
        // One byte beyond the window tells whether anything lies beyond it. The buffer is sized
        // for that byte from the start (when the length is declared) instead of copying a full
        // window into a one-byte-larger array: each copy of a window is a large-object-heap
        // allocation, and concurrent large uploads each hold their window.
        int capacity = windowBytes + 1;
        byte[] buffer = new byte[(int)Math.Min(capacity, Math.Max(declaredLength ?? 64 * 1024, 1) + 1)];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length == capacity)
                {
                    return (buffer, length, false);
                }

                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, capacity));
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
