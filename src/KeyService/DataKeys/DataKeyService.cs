using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Envelope;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.DataKeys;

/// <summary>
/// Creates and recovers data keys: one HSM call per object written (wrap a fresh DEK) and
/// at most one per object read (unwrap, unless the DEK cache holds the key).
/// </summary>
/// <remarks>
/// The key ring records one audit event per HSM call. A cache hit is a key use too: it is
/// recorded here as <see cref="KeyOperation.UnwrapDataKey"/> with detail <c>cache=hit</c>
/// before the key is returned, and when the audit log cannot record it the unwrap fails
/// with a retryable <see cref="KeyErrorKind.Unavailable"/>.
/// </remarks>
public sealed class DataKeyService
{
    private static readonly IReadOnlyDictionary<string, string> CacheHitDetail = new Dictionary<string, string> { ["cache"] = "hit" };

    private readonly IKeyRing _keyRing;
    private readonly IKeyEventLog _eventLog;
    private readonly DekCache _cache;
    private readonly ILogger _logger;

    public DataKeyService(IKeyRing keyRing, IKeyEventLog eventLog, DekCache cache, ILogger<DataKeyService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(keyRing);
        ArgumentNullException.ThrowIfNull(eventLog);
        ArgumentNullException.ThrowIfNull(cache);
        _keyRing = keyRing;
        _eventLog = eventLog;
        _cache = cache;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The DEK cache this service reads through.</summary>
    public DekCache Cache => _cache;

    /// <summary>Generates a fresh 256-bit data key and wraps it under the primary version of <paramref name="keyClass"/> (one HSM call).</summary>
    /// <exception cref="KeyServiceException">From the key ring: unknown class, HSM or audit log unavailable…</exception>
    public async Task<DataKey> CreateAsync(string keyClass, KeyUse use, CancellationToken cancellationToken)
    {
        var pending = await BeginCreateAsync(keyClass, use, cancellationToken).ConfigureAwait(false);
        try
        {
            await pending.Recorded.ConfigureAwait(false);
        }
        catch
        {
            pending.Key.Dispose();
            throw;
        }

        return pending.Key;
    }

    /// <summary>
    /// Like <see cref="CreateAsync"/>, but returns once the HSM has wrapped the key, while its
    /// key event is still being written (see <see cref="IKeyRing.BeginWrapAsync"/>): whatever
    /// the key protects must not be completed before <see cref="PendingDataKey.Recorded"/> has.
    /// </summary>
    /// <exception cref="KeyServiceException">From the key ring: unknown class, HSM unavailable…</exception>
    public async Task<PendingDataKey> BeginCreateAsync(string keyClass, KeyUse use, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyClass);
        ArgumentNullException.ThrowIfNull(use);
        byte[] value = DataKey.AllocatePinned();
        RandomNumberGenerator.Fill(value);
        try
        {
            var wrap = await _keyRing.BeginWrapAsync(keyClass, value, use, cancellationToken).ConfigureAwait(false);
            DataKeysLog.DataKeyCreated(_logger, wrap.Result.Key, use.ObjectId);
            return new PendingDataKey(new DataKey(value, wrap.Result.Key, wrap.Result.WrappedKey, fromCache: false), wrap.Recorded);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(value);
            throw;
        }
    }

    /// <summary>
    /// Recovers the data key of an envelope: from the DEK cache (recording the key use) or
    /// from the HSM (one call, recorded by the key ring), then caches it.
    /// </summary>
    /// <exception cref="KeyServiceException">
    /// <see cref="KeyErrorKind.KeyDestroyed"/> when the KEK version was shredded,
    /// <see cref="KeyErrorKind.Unavailable"/> when the HSM or the audit log cannot be reached…
    /// </exception>
    public async Task<DataKey> UnwrapAsync(EnvelopeHeader header, KeyUse use, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(use);
        byte[] value = DataKey.AllocatePinned();
        try
        {
            if (_cache.TryGet(header, value))
            {
                await RecordCacheHitAsync(header, use, cancellationToken).ConfigureAwait(false);
                DataKeysLog.CacheHit(_logger, header.Key, use.ObjectId);
                return new DataKey(value, header.Key, header.WrappedKey, fromCache: true);
            }

            byte[] unwrapped = await _keyRing.UnwrapAsync(header.Key, header.WrappedKey, use, cancellationToken).ConfigureAwait(false);
            try
            {
                if (unwrapped.Length != value.Length)
                {
                    throw new KeyServiceException(KeyErrorKind.InvalidData, $"The key unwrapped under {header.Key} is {unwrapped.Length} bytes, not a 256-bit data key: the envelope header was forged.");
                }

                unwrapped.CopyTo(value, 0);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(unwrapped);
            }

            DataKeysLog.Unwrapped(_logger, header.Key, use.ObjectId);
            _cache.Add(header, value);
            return new DataKey(value, header.Key, header.WrappedKey, fromCache: false);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(value);
            throw;
        }
    }

    private async Task RecordCacheHitAsync(EnvelopeHeader header, KeyUse use, CancellationToken cancellationToken)
    {
        var keyEvent = new KeyEvent(KeyOperation.UnwrapDataKey, header.Key.KeyClass, header.Key, use, KeyEventResult.Ok, Detail: CacheHitDetail);
        try
        {
            await _eventLog.RecordAsync(keyEvent, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            DataKeysLog.CacheHitNotAudited(_logger, header.Key, e);
            if (e is KeyServiceException { IsRetryable: true })
            {
                throw;
            }

            throw new KeyServiceException(KeyErrorKind.Unavailable, $"The audit log could not record the use of {header.Key}, so the data key is not released: retry later.", e);
        }
    }
}

/// <summary>A fresh data key whose wrap's key event is still being written.</summary>
/// <param name="Key">The data key; dispose it.</param>
/// <param name="Recorded">Completes once the key event is durable; faults with a retryable <see cref="KeyServiceException"/> when it cannot be recorded.</param>
public sealed record PendingDataKey(DataKey Key, Task Recorded);
