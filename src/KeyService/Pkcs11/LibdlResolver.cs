using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>
/// Pkcs11Interop 5.3.0 calls <c>dlopen</c> through <c>[DllImport("libdl")]</c>, and glibc 2.34+
/// ships only <c>libdl.so.2</c>: without this resolver loading any module fails with
/// <see cref="DllNotFoundException"/> (Pkcs11Interop issue #239, the maintainers' fix).
/// </summary>
internal static class LibdlResolver
{
    private static readonly Lock Gate = new();
    private static bool _installed;

    /// <summary>Installs the resolver on the Pkcs11Interop assembly; later calls do nothing.</summary>
    public static void EnsureInstalled()
    {
        lock (Gate)
        {
            if (_installed)
            {
                return;
            }

            try
            {
                NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, Resolve);
            }
            catch (InvalidOperationException)
            {
                // Another component of the process installed a resolver for this assembly first:
                // the runtime allows only one, and it must already handle libdl or nothing would load.
            }

            _installed = true;
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName == "libdl" && OperatingSystem.IsLinux()
            && NativeLibrary.TryLoad("libdl.so.2", assembly, searchPath, out var handle))
        {
            return handle;
        }

        // IntPtr.Zero falls back to the runtime's default probing.
        return IntPtr.Zero;
    }
}
