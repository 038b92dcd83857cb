namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Document proxy settings (configuration section <c>Sovereignty:Documents</c>). Routes and
/// upstream stores themselves are YARP's section <c>ReverseProxy</c>.
/// </summary>
/// <remarks>
/// Defaults: inspection window 4 MiB, one large inspection per core at a time, probe 8 KiB, Retry-After 30 s, PROPFIND bodies up to
/// 16 MiB, 8 concurrent header probes per PROPFIND.
/// </remarks>
public sealed class DocumentProxyOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Sovereignty:Documents";

    /// <summary>The security officers' policy directory (<c>*.yaml</c>). Default <c>policies</c>.</summary>
    public string PolicyDirectory { get; set; } = "policies";

    /// <summary>
    /// How many leading bytes of an upload are held in memory and given to the policy engine.
    /// An upload longer than this is classified on this prefix and marked "not completely
    /// scanned"; the sample policy refuses such uploads unless a rule decides on metadata alone.
    /// </summary>
    public int InspectionWindowBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// How many uploads may hold an inspection window larger than 256 KiB at once (reading it,
    /// classifying it, forwarding it); others wait for a slot before reading theirs. Bounds the
    /// gateway's memory under many concurrent large uploads. Default: one per processor.
    /// </summary>
    public int ConcurrentLargeInspections { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Leading bytes fetched from the store (a <c>Range</c> request) to recognise an envelope
    /// and read its header. Must be at least the largest header the gateway writes.
    /// </summary>
    public int ProbeBytes { get; set; } = 8 * 1024;

    /// <summary>Seconds announced in <c>Retry-After</c> on 503 answers (HSM, key, audit log or store unavailable).</summary>
    public int RetryAfterSeconds { get; set; } = 30;

    /// <summary>Largest PROPFIND answer the proxy rewrites; larger ones are refused (502) rather than passed with ciphertext sizes.</summary>
    public int MaxPropfindResponseBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Header probes run in parallel for one PROPFIND.</summary>
    public int PropfindProbeConcurrency { get; set; } = 8;
}
