using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>Set on an upload whose body the proxy replaced with an envelope.</summary>
/// <param name="CiphertextLength">Exact envelope length when the plaintext length was declared; null sends it chunked.</param>
/// <param name="ObjectId">Route and path, for logs.</param>
internal sealed record UploadBodyFeature(long? CiphertextLength, string ObjectId);

/// <summary>Set on a PUT forwarded to the store chosen for it: once that store has it, the route's other stores must not.</summary>
/// <param name="Route">The route, whose other stores are cleared.</param>
/// <param name="Store">The store the upload was sent to.</param>
/// <param name="ObjectId">Route and path, for logs.</param>
internal sealed record UploadStoreFeature(RouteModel Route, ClusterState Store, string ObjectId);

/// <summary>A decrypting download prepared before forwarding: what to ask the store for and what to send back.</summary>
/// <param name="Header">The probed envelope header.</param>
/// <param name="Prefix">The probed first bytes (they hold the whole header).</param>
/// <param name="Store">The store the object is read from.</param>
/// <param name="ObjectId">Route and path, for logs and audit.</param>
/// <param name="UpstreamETag">The store's ETag of the probed version ("" when none).</param>
/// <param name="PlaintextETag">The ETag the client gets (<see cref="EntityTags.ForPlaintext(UpstreamProbeResult, EnvelopeHeaderInfo)"/>).</param>
/// <param name="EnvelopeLength">The stored length.</param>
/// <param name="PlaintextLength">The plaintext length.</param>
/// <param name="Offset">First plaintext byte to send.</param>
/// <param name="Count">Plaintext bytes to send.</param>
/// <param name="CiphertextFirst">First ciphertext byte to fetch.</param>
/// <param name="CiphertextLast">Last ciphertext byte to fetch.</param>
/// <param name="IsRange">Answer 206 (a satisfiable Range was asked).</param>
/// <param name="Rule">The rule that allowed the read.</param>
/// <param name="PolicyVersion">Policy version of that decision.</param>
internal sealed record DownloadPlanFeature(
    EnvelopeHeaderInfo Header,
    ReadOnlyMemory<byte> Prefix,
    ClusterState Store,
    string ObjectId,
    string UpstreamETag,
    string? PlaintextETag,
    long EnvelopeLength,
    long PlaintextLength,
    long Offset,
    long Count,
    long CiphertextFirst,
    long CiphertextLast,
    bool IsRange,
    string Rule,
    string PolicyVersion);

/// <summary>Identifies the object and request in audit events and logs.</summary>
internal static class ObjectIdentity
{
    /// <summary><c>route:path</c>, e.g. <c>documents:/hr/contract.pdf</c>.</summary>
    public static string Of(string routeId, string path) => routeId + ":" + path;
}

/// <summary>A MOVE or COPY of a document sent to the store that holds it, for the clean-up once it is done.</summary>
/// <param name="Route">The route, whose other stores are cleared.</param>
/// <param name="Store">The store that holds the source and does the move or copy.</param>
/// <param name="Source">The source path.</param>
/// <param name="Destination">The destination path.</param>
/// <param name="IsMove">MOVE (the source goes away) rather than COPY.</param>
internal sealed record RelocationFeature(RouteModel Route, ClusterState Store, PathString Source, PathString Destination, bool IsMove);
