using System.Globalization;
using Microsoft.AspNetCore.Http.Features;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Uploads over Kestrel's request body limit (<c>Sovereignty:Serve:MaxRequestBodyBytes</c>):
/// answered as a problem that names the limit, instead of Kestrel's bare 413. Kestrel refuses
/// the body only when it is first read (a declared length) or as it passes the limit (chunked),
/// so the gateway checks a declared length up front and recognises Kestrel's refusal where it
/// reads the body.
/// </summary>
internal static class UploadSizeLimit
{
    /// <summary>True when the request declares a body longer than the limit.</summary>
    public static bool IsDeclaredOver(HttpContext context) =>
        Limit(context) is long limit && context.Request.ContentLength > limit;

    /// <summary>True when <paramref name="error"/>, or one it wraps, is Kestrel's "request body too large".</summary>
    public static bool IsTooLarge(Exception? error) => error switch
    {
        null => false,
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => true,
        AggregateException all => all.InnerExceptions.Any(IsTooLarge),
        _ => IsTooLarge(error.InnerException),
    };

    /// <summary>Answers 413 problem: the limit in bytes and binary units, and what to do.</summary>
    public static Task AnswerAsync(HttpContext context)
    {
        long? limit = Limit(context);
        string what = limit is long bytes
            ? string.Create(CultureInfo.InvariantCulture, $"at most {bytes} bytes ({Human(bytes)})")
            : "no body this large";
        string declared = context.Request.ContentLength is long length
            ? string.Create(CultureInfo.InvariantCulture, $"; this one declares {length} bytes ({Human(length)})")
            : string.Empty;
        return ProblemResponses.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Upload too large",
            $"This gateway accepts uploads of {what}{declared}. Nothing was stored. Send a smaller document, "
            + "or ask the gateway's operator to raise the limit (Sovereignty:Serve:MaxRequestBodyBytes).",
            correlationId: context.TraceIdentifier);
    }

    /// <summary>65536 → "64 KiB", 1572864 → "1.5 MiB", 1000 → "1000 bytes".</summary>
    public static string Human(long bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }

    private static long? Limit(HttpContext context) =>
        context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
}
