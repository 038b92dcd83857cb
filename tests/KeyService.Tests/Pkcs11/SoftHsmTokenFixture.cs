using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Pkcs11;

/// <summary>Disruptive tests (C_Finalize, closing every session of the module) run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ModuleDisruptionGroup : ICollectionFixture<SoftHsmToken>
{
    public const string Name = "PKCS#11 module disruption";
}
