using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Pkcs11;

namespace Sovereignty.KeyService.Keys;

/// <summary>
/// Records the one key event of an operation. If the log cannot record it, the operation fails
/// with a retryable error and its result is not released: no key use without its record.
/// </summary>
internal static class KeyEventRecorder
{
    public static async Task RecordAsync(IKeyEventLog log, KeyEvent keyEvent, CancellationToken cancellationToken)
    {
        try
        {
            await log.RecordAsync(keyEvent, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw new KeyServiceException(KeyErrorKind.Unavailable,
                $"The key event ({keyEvent.Operation} on '{keyEvent.KeyClass}') could not be recorded, so the operation was not completed; retry when the audit log is available.", ex);
        }
    }

    /// <summary>The event for an operation that failed with <paramref name="error"/>.</summary>
    public static KeyEvent Failed(KeyOperation operation, string keyClass, KeyReference? key, KeyUse use, Exception error) =>
        new(operation, keyClass, key, use,
            error is KeyServiceException { Kind: KeyErrorKind.AccessDenied } ? KeyEventResult.Denied : KeyEventResult.Error,
            ErrorCode(error));

    private static string ErrorCode(Exception error) => error switch
    {
        HsmException hsm => hsm.ErrorCode,
        KeyServiceException key => key.Kind.ToString(),
        OperationCanceledException => "Canceled",
        _ => error.GetType().Name,
    };
}
