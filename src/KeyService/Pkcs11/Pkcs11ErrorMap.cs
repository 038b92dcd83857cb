using Net.Pkcs11Interop.Common;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>What the session pool does about a failed call before retrying it once.</summary>
internal enum Pkcs11Recovery
{
    /// <summary>Nothing helps: report the error.</summary>
    None,

    /// <summary>Object handles are stale (key destroyed or re-created): look the key up again.</summary>
    FindKeyAgain,

    /// <summary>Sessions or the login are gone: reopen sessions and log in again.</summary>
    ReopenSessions,

    /// <summary>The module lost its state (finalised, device reset): C_Finalize, C_Initialize, reopen.</summary>
    ReinitializeModule,
}

/// <summary>
/// Maps PKCS#11 return values to the key service's error kinds and to the recovery the
/// session pool attempts. One table, so "retry" versus "fatal" is decided in one place.
/// </summary>
internal static class Pkcs11ErrorMap
{
    public static Pkcs11Recovery RecoveryFor(CKR rv) => rv switch
    {
        CKR.CKR_SESSION_HANDLE_INVALID or CKR.CKR_SESSION_CLOSED or CKR.CKR_USER_NOT_LOGGED_IN
            or CKR.CKR_SESSION_COUNT => Pkcs11Recovery.ReopenSessions,
        CKR.CKR_CRYPTOKI_NOT_INITIALIZED or CKR.CKR_DEVICE_REMOVED or CKR.CKR_TOKEN_NOT_PRESENT
            or CKR.CKR_DEVICE_ERROR or CKR.CKR_TOKEN_NOT_RECOGNIZED => Pkcs11Recovery.ReinitializeModule,
        CKR.CKR_OBJECT_HANDLE_INVALID or CKR.CKR_KEY_HANDLE_INVALID
            or CKR.CKR_WRAPPING_KEY_HANDLE_INVALID or CKR.CKR_UNWRAPPING_KEY_HANDLE_INVALID => Pkcs11Recovery.FindKeyAgain,
        _ => Pkcs11Recovery.None,
    };

    public static KeyErrorKind KindFor(CKR rv) => rv switch
    {
        CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_INVALID or CKR.CKR_PIN_LEN_RANGE or CKR.CKR_PIN_EXPIRED
            or CKR.CKR_PIN_LOCKED or CKR.CKR_USER_TYPE_INVALID or CKR.CKR_USER_PIN_NOT_INITIALIZED
            or CKR.CKR_KEY_FUNCTION_NOT_PERMITTED or CKR.CKR_KEY_UNEXTRACTABLE or CKR.CKR_KEY_NOT_WRAPPABLE
            or CKR.CKR_ATTRIBUTE_SENSITIVE => KeyErrorKind.AccessDenied,

        CKR.CKR_OBJECT_HANDLE_INVALID or CKR.CKR_KEY_HANDLE_INVALID
            or CKR.CKR_WRAPPING_KEY_HANDLE_INVALID or CKR.CKR_UNWRAPPING_KEY_HANDLE_INVALID => KeyErrorKind.KeyNotFound,

        CKR.CKR_WRAPPED_KEY_INVALID or CKR.CKR_WRAPPED_KEY_LEN_RANGE or CKR.CKR_ENCRYPTED_DATA_INVALID
            or CKR.CKR_ENCRYPTED_DATA_LEN_RANGE or CKR.CKR_DATA_INVALID or CKR.CKR_DATA_LEN_RANGE
            or CKR.CKR_SIGNATURE_INVALID or CKR.CKR_SIGNATURE_LEN_RANGE or CKR.CKR_KEY_SIZE_RANGE => KeyErrorKind.InvalidData,

        CKR.CKR_MECHANISM_INVALID or CKR.CKR_MECHANISM_PARAM_INVALID or CKR.CKR_ARGUMENTS_BAD
            or CKR.CKR_ATTRIBUTE_TYPE_INVALID or CKR.CKR_ATTRIBUTE_VALUE_INVALID or CKR.CKR_ATTRIBUTE_READ_ONLY
            or CKR.CKR_TEMPLATE_INCOMPLETE or CKR.CKR_TEMPLATE_INCONSISTENT or CKR.CKR_KEY_TYPE_INCONSISTENT
            or CKR.CKR_TOKEN_WRITE_PROTECTED or CKR.CKR_FUNCTION_NOT_SUPPORTED
            or CKR.CKR_SESSION_READ_ONLY => KeyErrorKind.Configuration,

        // Device errors, memory, locking, session exhaustion and anything unknown: the
        // HSM may work again later, and the caller keeps its data and retries.
        _ => KeyErrorKind.Unavailable,
    };

    /// <summary>Wraps a Pkcs11Interop exception; <paramref name="what"/> names the key or token (never a PIN).</summary>
    public static HsmException ToHsmException(Pkcs11Exception exception, string what)
    {
        var kind = KindFor(exception.RV);
        var advice = kind switch
        {
            KeyErrorKind.Unavailable => "the HSM is unavailable; retry later",
            KeyErrorKind.AccessDenied => "check the token PIN and the key's permitted uses",
            KeyErrorKind.KeyNotFound => "the key does not exist on the token",
            KeyErrorKind.InvalidData => "the data given to the HSM is invalid or was tampered with",
            _ => "check the provider configuration and the token's capabilities",
        };
        return new HsmException(kind, exception.Method, exception.RV, $"{exception.Method} failed with {exception.RV} for {what}: {advice}.", exception);
    }
}
