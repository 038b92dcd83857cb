namespace Sovereignty.KeyService;

/// <summary>What went wrong with a key operation, and so what the caller should do.</summary>
public enum KeyErrorKind
{
    /// <summary>The HSM, its token or the audit log cannot be reached now: retry later (HTTP 503, SMTP 451).</summary>
    Unavailable,

    /// <summary>The key class, key or version does not exist (or was never configured).</summary>
    KeyNotFound,

    /// <summary>The key version was shredded: data under it is unrecoverable.</summary>
    KeyDestroyed,

    /// <summary>The data given to the key (wrapped key, ciphertext, signature input) is invalid or tampered.</summary>
    InvalidData,

    /// <summary>Credentials (PIN) refused or the operation is not permitted.</summary>
    AccessDenied,

    /// <summary>The deployment configuration is wrong (module path, token label, class mapping).</summary>
    Configuration,
}

/// <summary>
/// A failed key operation. <see cref="IsRetryable"/> separates "HSM unavailable, retry"
/// from failures that retrying cannot fix.
/// </summary>
public class KeyServiceException : Exception
{
    public KeyServiceException(KeyErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>What went wrong.</summary>
    public KeyErrorKind Kind { get; }

    /// <summary>True when the same call may succeed later (the caller answers with a temporary error).</summary>
    public bool IsRetryable => Kind == KeyErrorKind.Unavailable;
}
