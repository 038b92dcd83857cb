using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>
/// One loaded PKCS#11 module, shared by every provider of the process that names the same
/// module path (a module may be initialised only once per process), counted by reference.
/// </summary>
/// <remarks>
/// Every call into the module runs under a read lock together with a check of
/// <see cref="Generation"/>; <see cref="Reinitialize"/> takes the write lock, so it never
/// unloads the module under a call in flight, and a session opened before a reinitialisation
/// can never be used after it (the module may hand out the same session handles again).
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Lives as long as its references; the last Release unloads it, and the lock holds no OS handle.")]
internal sealed class Pkcs11Module
{
    private static readonly Dictionary<string, Pkcs11Module> Loaded = new(StringComparer.Ordinal);
    private static readonly Lock LoadedGate = new();

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private IPkcs11Library? _library;
    private int _references;

    private Pkcs11Module(string path)
    {
        Path = path;
    }

    /// <summary>Pkcs11Interop's factories (stateless, shared), with sessions from <see cref="Pkcs11SessionFactory"/>.</summary>
    public static Pkcs11InteropFactories Factories { get; } = new(null, null, new Pkcs11SessionFactory(), null, null, null, null);

    /// <summary>Full path of the module file.</summary>
    public string Path { get; }

    /// <summary>
    /// Held while this process searches the token for secret keys and while it copies a KEK
    /// (<see cref="Pkcs11KeyProvider"/>, working copies), so no search sees a copy half-made.
    /// </summary>
    /// <remarks>
    /// Why: SoftHSM's C_CopyObject makes the new session object visible to every session of the
    /// process with all of the source's attributes, CKA_TOKEN true included, and only then
    /// applies the copy's template (CKA_TOKEN false). A search for the KEK's id in another
    /// session at that moment finds two token keys and would report the token inconsistent.
    /// Session objects belong to one process, so a lock per loaded module is enough.
    /// </remarks>
    public Lock SecretKeyGate { get; } = new();

    /// <summary>
    /// True for SoftHSM before 2.7, which never frees a session object that C_DestroyObject
    /// destroyed until C_Finalize (upstream issue #562; with 2.6.1, ~190 bytes each in a C loop,
    /// ~245 in this process). Every data-key wrap and unwrap makes one.
    /// </summary>
    public bool LeaksDestroyedSessionObjects { get; private set; }

    /// <summary>Incremented by each (re)initialisation; sessions and handles of an older generation are dead.</summary>
    public int Generation { get; private set; }

    /// <summary>Loads (or shares) the module at <paramref name="modulePath"/>; pair with <see cref="Release"/>.</summary>
    public static Pkcs11Module Acquire(string modulePath)
    {
        var path = System.IO.Path.GetFullPath(modulePath);
        lock (LoadedGate)
        {
            if (!Loaded.TryGetValue(path, out var module))
            {
                module = new Pkcs11Module(path);
                module._library = Load(path);
                module.LeaksDestroyedSessionObjects = LeaksDestroyedSessionObjectsOf(module._library);
                module.Generation = 1;
                Loaded.Add(path, module);
            }

            module._references++;
            return module;
        }
    }

    /// <summary>Drops one reference; the last one finalises and unloads the module.</summary>
    public void Release()
    {
        lock (LoadedGate)
        {
            if (--_references > 0)
            {
                return;
            }

            Loaded.Remove(Path);
            _lock.EnterWriteLock();
            try
            {
                Unload();
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="call"/> against the module as loaded in <paramref name="generation"/>.
    /// A call made with a stale generation fails as <c>CKR_SESSION_HANDLE_INVALID</c>, so the
    /// caller's pool reopens its sessions.
    /// </summary>
    public T Run<T>(int generation, Func<IPkcs11Library, T> call)
    {
        _lock.EnterReadLock();
        try
        {
            if (_library is null || generation != Generation)
            {
                throw new Pkcs11Exception("(stale session)", CKR.CKR_SESSION_HANDLE_INVALID);
            }

            return call(_library);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// C_Finalize and C_Initialize again, after the module lost its state (finalised behind our
    /// back, device reset). Does nothing when another caller already did it since
    /// <paramref name="observedGeneration"/>.
    /// </summary>
    public void Reinitialize(int observedGeneration)
    {
        _lock.EnterWriteLock();
        try
        {
            if (observedGeneration != Generation)
            {
                return;
            }

            Unload();
            _library = Load(Path);
            Generation++;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private void Unload()
    {
        var library = _library;
        _library = null;
        try
        {
            library?.Dispose();
        }
        catch (Pkcs11Exception)
        {
            // C_Finalize on a module that was already finalised: nothing left to release.
        }
    }

    private static bool LeaksDestroyedSessionObjectsOf(IPkcs11Library library)
    {
        var info = library.GetInfo();
        return info.ManufacturerId.Trim().StartsWith("SoftHSM", StringComparison.Ordinal)
            && Version.TryParse(info.LibraryVersion, out var version)
            && version < new Version(2, 7);
    }

    private static IPkcs11Library Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new KeyServiceException(KeyErrorKind.Configuration,
                $"PKCS#11 module '{path}' does not exist; set ModulePath to the HSM vendor's library (SoftHSM: /usr/lib/softhsm/libsofthsm2.so).");
        }

        LibdlResolver.EnsureInstalled();
        try
        {
            return Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, path, AppType.MultiThreaded);
        }
        catch (Pkcs11Exception ex)
        {
            // C_Initialize failed: for SoftHSM this is usually SOFTHSM2_CONF naming a missing file.
            throw new HsmException(Pkcs11ErrorMap.KindFor(ex.RV), ex.Method, ex.RV,
                $"PKCS#11 module '{path}' failed to initialise ({ex.Method}: {ex.RV}); check the module's own configuration (SoftHSM: SOFTHSM2_CONF).", ex);
        }
        catch (Exception ex) when (ex is UnmanagedException or DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            throw new KeyServiceException(KeyErrorKind.Configuration,
                $"'{path}' cannot be loaded as a PKCS#11 module ({ex.GetType().Name}: {ex.Message}); check ModulePath.", ex);
        }
    }
}
