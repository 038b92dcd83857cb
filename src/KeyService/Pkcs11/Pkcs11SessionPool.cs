using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>
/// A fixed number of sessions on one token, each leased to one caller at a time (SoftHSM
/// crashes when two threads use one session), logged in once for the pool's lifetime, and
/// repaired after token or module errors.
/// </summary>
/// <remarks>
/// Sessions are opened lazily, up to <see cref="Pkcs11ProviderOptions.SessionPoolSize"/>.
/// When a call fails because sessions, the login or the module were lost, the pool stops the
/// world (waits until every lease is back), drops its sessions (never closing them: the module
/// may already have handed their handles to new sessions), reinitialises the module if needed,
/// and the failed call is retried on a fresh session, up to <see cref="MaxRecoveries"/> times.
/// Each operation runs synchronously on the leasing thread: it never awaits while holding a
/// session.
/// A token that was found once and is then missing (an HSM restarted, a token pulled out) is an
/// outage, not a configuration error: the call fails as retryable, and since modules list their
/// tokens when initialised, the module is reinitialised (at most every few seconds) so the token
/// is found again when it comes back.
/// A module that leaks destroyed session objects (SoftHSM before 2.7) is recycled the same way,
/// stop the world and reinitialise, after <see cref="RecycleAfterObjects"/> data-key wraps and
/// unwraps: without it the gateway's memory grows by ~245 bytes per wrap or unwrap, without limit.
/// </remarks>
internal sealed class Pkcs11SessionPool : IDisposable
{
    /// <summary>
    /// Recoveries per call. Two, not one: lost sessions take the KEKs' working copies (session
    /// objects) with them, so a call can meet a stale copy handle on a live session first
    /// (handles looked up again), then a dead session on its retry (sessions reopened).
    /// </summary>
    internal const int MaxRecoveries = 2;

    private readonly Pkcs11Module _module;
    private readonly Pkcs11ProviderOptions _options;
    private readonly ILogger _logger;
    private readonly Action _handlesInvalidated;
    private readonly SemaphoreSlim _leases;
    private readonly SemaphoreSlim _recovery = new(1, 1);
    private readonly Stack<PooledSession> _idle = new();
    private readonly Lock _gate = new();
    /// <summary>How often (ms) a missing token may cause a module reinitialisation, which stops every call on the module.</summary>
    private const long MissingTokenRescanIntervalMs = 2_000;

    private ISlot? _slot;
    private bool _tokenSeen;
    private long _lastMissingTokenRescan = -MissingTokenRescanIntervalMs;
    private int _generation;
    private int _epoch;
    private bool _disposed;
    private long _temporaryObjects;

    public Pkcs11SessionPool(Pkcs11Module module, Pkcs11ProviderOptions options, ILogger logger, Action handlesInvalidated)
    {
        _module = module;
        _options = options;
        _logger = logger;
        _handlesInvalidated = handlesInvalidated;
        _leases = new SemaphoreSlim(options.SessionPoolSize, options.SessionPoolSize);
        _generation = module.Generation;
        RecycleAfterObjects = options.RecycleModuleAfterObjects ?? (module.LeaksDestroyedSessionObjects ? DefaultRecycleAfterObjects : 0);
    }

    /// <summary>Recycling interval for a module that leaks destroyed session objects, unless configured: ~25 MB leaked between recycles.</summary>
    internal const int DefaultRecycleAfterObjects = 100_000;

    /// <summary>Wraps and unwraps between two recycles of the module; 0: never recycled.</summary>
    internal int RecycleAfterObjects { get; }

    /// <summary>Where errors come from in messages: provider and token, never the PIN.</summary>
    private string Where => $"provider '{_options.Name}' (token '{_options.TokenLabel}')";

    /// <summary>
    /// Runs <paramref name="operation"/> on a leased session. <paramref name="what"/> names the
    /// key or object for error messages. PKCS#11 errors come out as <see cref="HsmException"/>.
    /// </summary>
    public async ValueTask<T> RunAsync<T>(string what, Func<ISession, T> operation, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await AcquireLeaseAsync(cancellationToken).ConfigureAwait(false);
            var epoch = _epoch;
            var generation = _generation;
            Pkcs11Exception? failure = null;
            var rescan = false;
            PooledSession? session = null;
            try
            {
                session = Lease();
                epoch = session.Epoch;
                generation = session.Generation;
                return _module.Run(session.Generation, _ => operation(session.Session));
            }
            catch (Pkcs11Exception ex) when (attempt < MaxRecoveries && Pkcs11ErrorMap.RecoveryFor(ex.RV) != Pkcs11Recovery.None)
            {
                failure = ex;
            }
            catch (Pkcs11Exception ex)
            {
                throw Pkcs11ErrorMap.ToHsmException(ex, $"{what} on {Where}");
            }
            catch (TokenMissingException) when (attempt < MaxRecoveries && MayRescanForMissingToken())
            {
                rescan = true;
            }
            finally
            {
                if (session is not null)
                {
                    Return(session);
                }

                _leases.Release();
            }

            if (rescan)
            {
                Pkcs11Log.Recovering(_logger, _options.Name, "C_GetSlotList", "token missing", nameof(Pkcs11Recovery.ReinitializeModule));
                await StopTheWorldAndResetAsync(epoch, generation, reinitializeModule: true, cancellationToken).ConfigureAwait(false);
                _handlesInvalidated();
                continue;
            }

            // Recover outside the lease, then retry.
            var recovery = Pkcs11ErrorMap.RecoveryFor(failure!.RV);
            Pkcs11Log.Recovering(_logger, _options.Name, failure.Method, failure.RV.ToString(), recovery.ToString());
            if (recovery != Pkcs11Recovery.FindKeyAgain)
            {
                await StopTheWorldAndResetAsync(epoch, generation, recovery == Pkcs11Recovery.ReinitializeModule, cancellationToken).ConfigureAwait(false);
            }

            _handlesInvalidated();
        }
    }

    /// <summary>
    /// <see cref="RunAsync"/> for an operation that creates one session object and destroys it
    /// (a data-key wrap or unwrap): counted towards <see cref="RecycleAfterObjects"/>.
    /// </summary>
    public async ValueTask<T> RunWithTemporaryObjectAsync<T>(string what, Func<ISession, T> operation, CancellationToken cancellationToken)
    {
        await RecycleIfDueAsync(cancellationToken).ConfigureAwait(false);
        var result = await RunAsync(what, operation, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _temporaryObjects);
        return result;
    }

    /// <summary>Finalises and initialises the module again once enough session objects were made; one caller does it, the others carry on.</summary>
    private async ValueTask RecycleIfDueAsync(CancellationToken cancellationToken)
    {
        if (RecycleAfterObjects == 0 || Volatile.Read(ref _temporaryObjects) < RecycleAfterObjects)
        {
            return;
        }

        var made = Interlocked.Exchange(ref _temporaryObjects, 0);
        if (made < RecycleAfterObjects)
        {
            Interlocked.Add(ref _temporaryObjects, made); // another caller is recycling
            return;
        }

        var started = Stopwatch.GetTimestamp();
        int epoch;
        int generation;
        lock (_gate)
        {
            epoch = _epoch;
            generation = _module.Generation;
        }

        if (await StopTheWorldAndResetAsync(epoch, generation, reinitializeModule: true, cancellationToken, logReinitialization: false).ConfigureAwait(false))
        {
            _handlesInvalidated();
            var elapsed = Stopwatch.GetElapsedTime(started);
            Pkcs11Log.ModuleRecycled(_logger, _options.Name, _module.Path, made, (long)elapsed.TotalMilliseconds);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            while (_idle.TryPop(out var pooled))
            {
                try
                {
                    _module.Run(pooled.Generation, _ =>
                    {
                        pooled.Session.CloseSession();
                        return 0;
                    });
                }
                catch (Pkcs11Exception)
                {
                    // Already gone with its token or module.
                }
            }
        }

        _leases.Dispose();
        _recovery.Dispose();
    }

    private async ValueTask AcquireLeaseAsync(CancellationToken cancellationToken)
    {
        if (!await _leases.WaitAsync(_options.SessionWaitTimeout, cancellationToken).ConfigureAwait(false))
        {
            throw new KeyServiceException(KeyErrorKind.Unavailable,
                $"No free HSM session on {Where} within {_options.SessionWaitTimeout.TotalSeconds:0} s: the HSM is saturated or hung; retry later.");
        }
    }

    private PooledSession Lease()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_generation != _module.Generation)
            {
                // Another pool reinitialised the shared module: our sessions and slot died with it.
                DropAllLocked();
                _generation = _module.Generation;
            }

            if (_idle.TryPop(out var idle))
            {
                return idle;
            }

            var generation = _generation;
            var slot = _slot ??= _module.Run(generation, FindSlot);
            var session = _module.Run(generation, _ => slot.OpenSession(SessionType.ReadWrite));
            try
            {
                _module.Run(generation, _ => EnsureLoggedIn(session));
            }
            catch
            {
                _module.Run(generation, _ =>
                {
                    session.CloseSession();
                    return 0;
                });
                throw;
            }

            return new PooledSession(session, _epoch, generation);
        }
    }

    private void Return(PooledSession session)
    {
        lock (_gate)
        {
            if (!_disposed && session.Epoch == _epoch && session.Generation == _module.Generation)
            {
                _idle.Push(session);
            }
        }
    }

    /// <returns>False when another caller repaired the pool first (nothing was done).</returns>
    private async ValueTask<bool> StopTheWorldAndResetAsync(int failedEpoch, int failedGeneration, bool reinitializeModule, CancellationToken cancellationToken, bool logReinitialization = true)
    {
        await _recovery.WaitAsync(cancellationToken).ConfigureAwait(false);
        var held = 0;
        try
        {
            for (; held < _options.SessionPoolSize; held++)
            {
                await AcquireLeaseAsync(cancellationToken).ConfigureAwait(false);
            }

            lock (_gate)
            {
                if (_epoch != failedEpoch)
                {
                    return false; // someone else repaired the pool since our call failed
                }

                if (reinitializeModule)
                {
                    _module.Reinitialize(failedGeneration);
                    if (logReinitialization)
                    {
                        Pkcs11Log.ModuleReinitialized(_logger, _options.Name, _module.Path);
                    }
                }

                DropAllLocked();
                _generation = _module.Generation;
                return true;
            }
        }
        finally
        {
            if (held > 0)
            {
                _leases.Release(held);
            }

            _recovery.Release();
        }
    }

    private void DropAllLocked()
    {
        // Dropped, not closed: after a lost session or a reinitialised module, the same handle
        // numbers may already belong to new sessions, and closing them would pull those away.
        _idle.Clear();
        _slot = null;
        _epoch++;
    }

    private ISlot FindSlot(IPkcs11Library library)
    {
        var labels = new List<string>();
        ISlot? found = null;
        foreach (var slot in library.GetSlotList(SlotsType.WithTokenPresent))
        {
            string label;
            try
            {
                label = slot.GetTokenInfo().Label.TrimEnd();
            }
            catch (Pkcs11Exception)
            {
                // A token that cannot describe itself (another application's token being
                // initialised, a broken slot) is not ours: it must not hide the one we look for.
                labels.Add($"<slot {slot.SlotId}: no token info>");
                continue;
            }

            labels.Add(label);
            if (string.Equals(label, _options.TokenLabel, StringComparison.Ordinal))
            {
                if (found is not null)
                {
                    throw new KeyServiceException(KeyErrorKind.Configuration,
                        $"Several tokens are labelled '{_options.TokenLabel}' in module '{_module.Path}' (provider '{_options.Name}'); give each token a unique label.");
                }

                found = slot;
            }
        }

        if (found is null)
        {
            var present = labels.Count == 0 ? "none" : string.Join(", ", labels.Select(l => $"'{l}'"));
            throw _tokenSeen
                ? new TokenMissingException($"Token '{_options.TokenLabel}' of provider '{_options.Name}' is no longer present in module '{_module.Path}' (tokens present: {present}): the HSM is unavailable; retry later.")
                : new KeyServiceException(KeyErrorKind.Configuration,
                    $"No token labelled '{_options.TokenLabel}' in module '{_module.Path}' (provider '{_options.Name}'); tokens present: {present}. Check TokenLabel.");
        }

        _tokenSeen = true;
        return found;
    }

    /// <summary>True at most once per <see cref="MissingTokenRescanIntervalMs"/>.</summary>
    private bool MayRescanForMissingToken()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastMissingTokenRescan);
        return now - last >= MissingTokenRescanIntervalMs
            && Interlocked.CompareExchange(ref _lastMissingTokenRescan, now, last) == last;
    }

    /// <summary>A token that was found before is gone: an outage, retryable.</summary>
    private sealed class TokenMissingException(string message) : KeyServiceException(KeyErrorKind.Unavailable, message);

    private int EnsureLoggedIn(ISession session)
    {
        var state = session.GetSessionInfo().State;
        if (state is CKS.CKS_RW_USER_FUNCTIONS or CKS.CKS_RO_USER_FUNCTIONS)
        {
            return 0; // login is per application: another session of ours already logged in
        }

        var pin = PinSource.Read(_options);
        try
        {
            session.Login(CKU.CKU_USER, pin);
            Pkcs11Log.LoggedIn(_logger, _options.Name, _options.TokenLabel);
        }
        catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            // A concurrent login won the race: the application is logged in, which is all we need.
        }
        catch (Pkcs11Exception ex) when (Pkcs11ErrorMap.KindFor(ex.RV) == KeyErrorKind.AccessDenied)
        {
            var source = string.IsNullOrEmpty(_options.PinFile) ? $"environment variable '{_options.PinEnvironmentVariable}'" : $"PIN file '{_options.PinFile}'";
            throw new HsmException(KeyErrorKind.AccessDenied, ex.Method, ex.RV,
                $"{Where} refused the user PIN ({ex.Method}: {ex.RV}); check the {source}.", ex);
        }
        finally
        {
            Array.Clear(pin);
        }

        return 0;
    }

    private sealed record PooledSession(ISession Session, int Epoch, int Generation);
}
