using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>Set on an upload whose body the proxy replaced: the length the store will receive.</summary>
/// <param name="CiphertextLength">Exact envelope length when the plaintext length was declared; null sends it chunked.</param>
internal sealed record UploadBodyFeature(long? CiphertextLength);

/// <summary>A decrypting download prepared before forwarding: what to ask the store for and what to send back.</summary>
internal sealed class DownloadPlanFeature(
    IEnvelopeDecryptor decryptor,
    EnvelopeHeaderInfo header,
    ClusterState store,
    string upstreamETag,
    long plaintextLength,
    long offset,
    long count,
    long ciphertextFirst,
    long ciphertextLast,
    bool isRange) : IDisposable
{
    public IEnvelopeDecryptor Decryptor { get; } = decryptor;

    public EnvelopeHeaderInfo Header { get; } = header;

    public ClusterState Store { get; } = store;

    public string UpstreamETag { get; } = upstreamETag;

    public long PlaintextLength { get; } = plaintextLength;

    public long Offset { get; } = offset;

    public long Count { get; } = count;

    public long CiphertextFirst { get; } = ciphertextFirst;

    public long CiphertextLast { get; } = ciphertextLast;

    public bool IsRange { get; } = isRange;

    public void Dispose() => Decryptor.Dispose();
}

/// <summary>Set on PROPFIND requests whose answer gets plaintext sizes.</summary>
internal sealed record PropfindFeature(ClusterState Store);

/// <summary>Identifies the object and request in audit events and logs.</summary>
internal static class ObjectIdentity
{
    /// <summary><c>route:path</c>, e.g. <c>documents:/hr/contract.pdf</c>.</summary>
    public static string Of(string routeId, string path) => routeId + ":" + path;
}
