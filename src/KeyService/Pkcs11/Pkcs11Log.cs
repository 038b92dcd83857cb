using Microsoft.Extensions.Logging;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>Log events of the PKCS#11 provider (ids 1100–1119). Never PINs or key material.</summary>
internal static partial class Pkcs11Log
{
    [LoggerMessage(EventId = 1100, EventName = "HsmRecovering", Level = LogLevel.Warning,
        Message = "HSM provider {Provider}: {Function} failed with {ReturnValue}; recovering ({Recovery}) and retrying")]
    public static partial void Recovering(ILogger logger, string provider, string function, string returnValue, string recovery);

    [LoggerMessage(EventId = 1101, EventName = "HsmModuleReinitialized", Level = LogLevel.Warning,
        Message = "HSM provider {Provider}: PKCS#11 module {ModulePath} finalised and initialised again")]
    public static partial void ModuleReinitialized(ILogger logger, string provider, string modulePath);

    [LoggerMessage(EventId = 1102, EventName = "HsmLoggedIn", Level = LogLevel.Information,
        Message = "HSM provider {Provider}: logged in to token {TokenLabel}")]
    public static partial void LoggedIn(ILogger logger, string provider, string tokenLabel);

    [LoggerMessage(EventId = 1103, EventName = "HsmTemporaryKeyNotDestroyed", Level = LogLevel.Warning,
        Message = "HSM provider {Provider}: a temporary session key could not be destroyed ({ReturnValue}); it dies with its session")]
    public static partial void TemporaryKeyNotDestroyed(ILogger logger, string provider, string returnValue);

    [LoggerMessage(EventId = 1104, EventName = "HsmOaepSha256InSoftware", Level = LogLevel.Information,
        Message = "HSM provider {Provider}: the token refuses RSA-OAEP with SHA-256 ({ReturnValue}); decoding OAEP in software over raw RSA from now on")]
    public static partial void OaepSha256InSoftware(ILogger logger, string provider, string returnValue);

    [LoggerMessage(EventId = 1105, EventName = "HsmKeyCreated", Level = LogLevel.Information,
        Message = "HSM provider {Provider}: created {KeyKind} {KeyLabel} ({KeyId})")]
    public static partial void KeyCreated(ILogger logger, string provider, string keyKind, string keyLabel, string keyId);

    [LoggerMessage(EventId = 1106, EventName = "HsmKeyDestroyed", Level = LogLevel.Warning,
        Message = "HSM provider {Provider}: destroyed {Count} key object(s) of {KeyLabel} ({KeyId}); a tombstone records the destruction")]
    public static partial void KeyDestroyed(ILogger logger, string provider, int count, string keyLabel, string keyId);

    [LoggerMessage(EventId = 1107, EventName = "HsmKekCopyRefused", Level = LogLevel.Information,
        Message = "HSM provider {Provider}: the token refuses a session copy of a KEK ({ReturnValue}); wrapping with the token object itself")]
    public static partial void KekCopyRefused(ILogger logger, string provider, Net.Pkcs11Interop.Common.CKR returnValue);

    [LoggerMessage(EventId = 1108, EventName = "HsmModuleRecycled", Level = LogLevel.Information,
        Message = "HSM provider {Provider}: PKCS#11 module {ModulePath} finalised and initialised again after {Objects} temporary session objects, to free what it leaks (RecycleModuleAfterObjects), in {ElapsedMs} ms; sessions are opened and logged in again as they are next used")]
    public static partial void ModuleRecycled(ILogger logger, string provider, string modulePath, long objects, long elapsedMs);
}
