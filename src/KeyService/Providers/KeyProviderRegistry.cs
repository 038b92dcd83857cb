using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Pkcs11;

namespace Sovereignty.KeyService.Providers;

/// <summary>
/// The configured providers by name, each created on first use (so one unreachable HSM does not
/// stop the others) and disposed with the registry.
/// </summary>
/// <remarks>
/// Today every provider is a PKCS#11 token; an Azure Key Vault / Managed HSM provider would be a
/// second list in <see cref="HsmOptions"/> whose entries this registry creates the same way,
/// implementing <see cref="IKeyProvider"/> and <see cref="IAsymmetricKeyProvider"/> over REST
/// (see docs/hsm.md).
/// </remarks>
public sealed class KeyProviderRegistry : IAsyncDisposable
{
    private readonly Dictionary<string, Pkcs11ProviderOptions> _options;
    private readonly Dictionary<string, Pkcs11KeyProvider> _created = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILoggerFactory _loggerFactory;
    private readonly Lock _gate = new();
    private bool _disposed;

    public KeyProviderRegistry(HsmOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Providers.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    /// <summary>Names of the configured providers.</summary>
    public IReadOnlyCollection<string> Names => _options.Keys;

    /// <summary>The KEK provider named <paramref name="name"/>.</summary>
    public IKeyProvider GetKeyProvider(string name) => Get(name);

    /// <summary>The key-pair provider named <paramref name="name"/>.</summary>
    public IAsymmetricKeyProvider GetAsymmetricKeyProvider(string name) => Get(name);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Pkcs11KeyProvider[] providers;
        lock (_gate)
        {
            _disposed = true;
            providers = [.. _created.Values];
            _created.Clear();
        }

        foreach (var provider in providers)
        {
            await provider.DisposeAsync().ConfigureAwait(false);
        }
    }

    private Pkcs11KeyProvider Get(string name)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_created.TryGetValue(name, out var provider))
            {
                return provider;
            }

            if (!_options.TryGetValue(name, out var options))
            {
                throw new KeyServiceException(KeyErrorKind.Configuration, $"No provider named '{name}' is configured (Sovereignty:Hsm:Providers).");
            }

            // Loading a module is quick (dlopen + C_Initialize); the token login happens on first use.
            provider = new Pkcs11KeyProvider(options, _loggerFactory.CreateLogger<Pkcs11KeyProvider>());
            _created.Add(name, provider);
            return provider;
        }
    }
}
