using System.Buffers;

namespace Sovereignty.Bench.Proxy;

/// <summary>
/// For the store-and-forward baseline (<c>yarp URL UPSTREAM --whole-body-first</c>): a body that
/// fits in Sovereignty's inspection window (4 MiB by default) is read whole into a pooled buffer
/// before YARP sends anything upstream, as Sovereignty must do to classify it; larger or
/// chunked bodies stream as in plain YARP. Nothing else is added (no authentication, policy,
/// encryption, HSM or audit), so this baseline shows what reading the body first costs by
/// itself: YARP overlaps the client's upload with the store's, this cannot.
/// </summary>
internal static class WholeBodyFirst
{
    /// <summary>Sovereignty's default <c>InspectionWindowBytes</c>.</summary>
    private const long Window = 4L * 1024 * 1024;

    public static async Task ReadBodyThenForwardAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentLength is not long length || length is <= 0 or > Window)
        {
            await next(context);
            return;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            int read = await context.Request.Body.ReadAtLeastAsync(buffer.AsMemory(0, (int)length), (int)length, throwOnEndOfStream: false, context.RequestAborted);
            context.Request.Body = new MemoryStream(buffer, 0, read, writable: false);
            await next(context);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
