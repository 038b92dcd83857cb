using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Net.Pkcs11Interop.HighLevelAPI.Factories;
using LowLevel = Net.Pkcs11Interop.LowLevelAPI80;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>
/// Opens sessions as <see cref="Pkcs11Session"/> where the module uses the 64-bit Unix binding,
/// and as Pkcs11Interop's own sessions elsewhere (callers then use the ordinary calls).
/// </summary>
internal sealed class Pkcs11SessionFactory : ISessionFactory
{
    private readonly SessionFactory _default = new();

    public ISession Create(Pkcs11InteropFactories factories, LowLevelPkcs11Library pkcs11Library, ulong sessionId) =>
        pkcs11Library is LowLevel.Pkcs11Library library
            ? new Pkcs11Session(factories, library, sessionId)
            : _default.Create(factories, pkcs11Library, sessionId);
}
