namespace Sovereignty.Proxy.Hosting;

/// <summary>
/// Settings of the <c>serve</c> host itself (configuration section <c>Sovereignty:Serve</c>).
/// Listening addresses use ASP.NET Core's own <c>Urls</c> / <c>Kestrel</c> settings.
/// </summary>
/// <remarks>
/// Defaults: 30 s shutdown grace, 10 GiB largest upload, 2 s per readiness probe, HSM
/// readiness kept 5 s.
/// </remarks>
public sealed class ServeOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Sovereignty:Serve";

    /// <summary>How long a stopping node lets in-flight requests finish before it cuts them.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest request body Kestrel accepts (uploads stream; this is not a memory bound).</summary>
    public long MaxRequestBodyBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Time limit of each readiness check (store, HSM, Redis).</summary>
    public TimeSpan ReadinessTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long an HSM readiness result is reused, so frequent probes cost the HSM nothing.</summary>
    public TimeSpan ReadinessCacheDuration { get; set; } = TimeSpan.FromSeconds(5);
}
