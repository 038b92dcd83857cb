using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.Smime;

/// <summary>
/// Runs one use of an HSM key and records its key event: no key use without its record.
/// When the event cannot be recorded, the result of the key use is dropped and the caller
/// gets a retryable <see cref="KeyServiceException"/>.
/// </summary>
internal static class AuditedKeyUse
{
    public static async Task<T> RunAsync<T>(
        IKeyEventLog log,
        KeyOperation operation,
        KeyReference key,
        KeyUse use,
        IReadOnlyDictionary<string, string> detail,
        Func<CancellationToken, Task<T>> keyOperation,
        CancellationToken cancellationToken)
    {
        T result;
        try
        {
            result = await keyOperation(cancellationToken).ConfigureAwait(false);
        }
        catch (KeyServiceException ex)
        {
            await TryRecordFailureAsync(log, new KeyEvent(operation, key.KeyClass, key, use, KeyEventResult.Error, ex.Kind.ToString(), detail), cancellationToken).ConfigureAwait(false);
            throw;
        }

        try
        {
            await log.RecordAsync(new KeyEvent(operation, key.KeyClass, key, use, KeyEventResult.Ok, null, detail), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not KeyServiceException and not OperationCanceledException)
        {
            throw new KeyServiceException(KeyErrorKind.Unavailable, "The key event could not be recorded; the key operation is void.", ex);
        }

        return result;
    }

    private static async Task TryRecordFailureAsync(IKeyEventLog log, KeyEvent keyEvent, CancellationToken cancellationToken)
    {
        try
        {
            await log.RecordAsync(keyEvent, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The key operation already failed: its own error is what the caller must see.
        }
    }
}
