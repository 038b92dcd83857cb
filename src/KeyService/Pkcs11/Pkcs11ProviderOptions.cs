namespace Sovereignty.KeyService.Pkcs11;

/// <summary>
/// One PKCS#11 token the key service uses: configuration section
/// <c>Sovereignty:Hsm:Providers:N</c>.
/// </summary>
/// <remarks>
/// Exactly one PIN source is required: <see cref="PinFile"/> (a file readable only by the
/// service account, first line = PIN) or <see cref="PinEnvironmentVariable"/> (the name of
/// an environment variable holding it). The PIN is read at each login and never logged.
/// </remarks>
public sealed class Pkcs11ProviderOptions
{
    /// <summary>Default number of sessions in the pool.</summary>
    public const int DefaultSessionPoolSize = 4;

    /// <summary>Provider name that key classes refer to, e.g. <c>hsm-paris</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>Path of the vendor's PKCS#11 module, e.g. <c>/usr/lib/softhsm/libsofthsm2.so</c>.</summary>
    public string ModulePath { get; set; } = "";

    /// <summary>Label of the token (CKA token label): tokens are found by label, never by slot index.</summary>
    public string TokenLabel { get; set; } = "";

    /// <summary>File holding the user PIN (first line). Exclusive with <see cref="PinEnvironmentVariable"/>.</summary>
    public string? PinFile { get; set; }

    /// <summary>Name of the environment variable holding the user PIN. Exclusive with <see cref="PinFile"/>.</summary>
    public string? PinEnvironmentVariable { get; set; }

    /// <summary>
    /// Sessions kept open, each used by one thread at a time (default 4). Size it to the
    /// HSM's parallelism, not to the number of request threads: callers wait for a free session.
    /// </summary>
    public int SessionPoolSize { get; set; } = DefaultSessionPoolSize;

    /// <summary>How long a caller may wait for a free session before the HSM counts as unavailable (default 30 s).</summary>
    public TimeSpan SessionWaitTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After this many data-key wraps and unwraps (each creates and destroys one session object)
    /// the module is finalised and initialised again, which frees what it leaked. Unset (the
    /// default): 100,000 for a module that leaks destroyed session objects (SoftHSM before 2.7,
    /// ~245 bytes each), never for any other; 0: never. See docs/hsm.md.
    /// </summary>
    public int? RecycleModuleAfterObjects { get; set; }
}
