using System.Security.Cryptography;

namespace Sovereignty.Proxy.Smtp.Spool;

/// <summary>
/// Queue ids: 12 hex digits of Unix milliseconds then 8 random hex digits, so ids sort
/// by arrival and are safe as file names. Anything else is refused before it touches
/// the file system (no path traversal through <c>queue show ../x</c>).
/// </summary>
internal static class QueueId
{
    public const int Length = 20;

    public static string New(DateTimeOffset now)
    {
        Span<byte> random = stackalloc byte[4];
        RandomNumberGenerator.Fill(random);
        return string.Create(Length, (Millis: now.ToUnixTimeMilliseconds(), Random: BitConverter.ToUInt32(random)), static (span, state) =>
        {
            state.Millis.TryFormat(span[..12], out _, "x12", null);
            state.Random.TryFormat(span[12..], out _, "x8", null);
        });
    }

    public static bool IsValid(string? id) =>
        id is { Length: Length } && id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
