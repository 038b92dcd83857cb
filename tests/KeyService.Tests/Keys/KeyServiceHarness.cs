using Microsoft.Extensions.Time.Testing;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Providers;
using Sovereignty.KeyService.Tests.Support;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Keys;

/// <summary>Key ring, key pairs and manager over a real SoftHSM token, recording into memory.</summary>
internal sealed class KeyServiceHarness : IAsyncDisposable
{
    private KeyServiceHarness(HsmOptions options)
    {
        Options = options;
        Registry = new KeyProviderRegistry(options);
        Catalog = new KeyCatalog(options, Registry, Time);
        Ring = new KeyRing(Catalog, Log);
        Manager = new KeyManager(Catalog, Log);
        Pairs = new KeyPairRing(Catalog, Log);
    }

    public HsmOptions Options { get; }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-11-28T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public RecordingKeyEventLog Log { get; } = new();

    public KeyProviderRegistry Registry { get; }

    public KeyCatalog Catalog { get; }

    public KeyRing Ring { get; }

    public KeyManager Manager { get; }

    public KeyPairRing Pairs { get; }

    /// <summary>Classes get unique key labels, so tests sharing a token never see each other's keys.</summary>
    public static KeyServiceHarness Create(SoftHsmToken token, params string[] classes)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var options = new HsmOptions
        {
            Providers = [token.ProviderOptions(name: "softhsm")],
            KeyClasses = [.. classes.Select(c => new KeyClassOptions { Name = c, Provider = "softhsm", KeyLabel = $"{c}-{suffix}", Residency = "fr" })],
            KeyPairs = [new KeyPairOptions { Name = "signing", Provider = "softhsm", KeyLabel = $"signing-{suffix}", ModulusBits = 2048, Residency = "fr" }],
        };
        return new KeyServiceHarness(options);
    }

    public ValueTask DisposeAsync() => Registry.DisposeAsync();
}
