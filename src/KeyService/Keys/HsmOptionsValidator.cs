using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService.Pkcs11;

namespace Sovereignty.KeyService.Keys;

/// <summary>
/// Checks <see cref="HsmOptions"/> as a whole and reports every problem at once, each naming
/// the provider or class and what to change. No I/O beyond checking that files exist.
/// </summary>
public sealed partial class HsmOptionsValidator : IValidateOptions<HsmOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, HsmOptions options)
    {
        var errors = Check(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Throws a <see cref="KeyErrorKind.Configuration"/> error listing every problem.</summary>
    public static void ThrowIfInvalid(HsmOptions options)
    {
        var errors = Check(options);
        if (errors.Count > 0)
        {
            throw new KeyServiceException(KeyErrorKind.Configuration, "Invalid Sovereignty:Hsm configuration: " + string.Join("; ", errors));
        }
    }

    /// <summary>Every problem found, empty when the options are valid.</summary>
    public static IReadOnlyList<string> Check(HsmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var providers = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Providers.Count; i++)
        {
            CheckProvider(options.Providers[i], $"Providers:{i}", providers, errors);
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var labels = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.KeyClasses.Count; i++)
        {
            var keyClass = options.KeyClasses[i];
            var where = $"KeyClasses:{i} ('{keyClass.Name}')";
            CheckName(keyClass.Name, where, names, errors);
            CheckProviderReference(keyClass.Provider, where, providers, errors);
            if (!KekLabels.IsValidKeyLabel(keyClass.EffectiveKeyLabel))
            {
                errors.Add($"{where}: KeyLabel '{keyClass.EffectiveKeyLabel}' must be 1–64 letters, digits, '-' or '_'");
            }
            else if (!labels.Add($"{keyClass.Provider}\n{keyClass.EffectiveKeyLabel}"))
            {
                errors.Add($"{where}: another class already uses key label '{keyClass.EffectiveKeyLabel}' on provider '{keyClass.Provider}'; classes must not share keys");
            }

            if (string.IsNullOrWhiteSpace(keyClass.Residency))
            {
                errors.Add($"{where}: Residency is required (e.g. 'fr', 'eu')");
            }
        }

        for (var i = 0; i < options.KeyPairs.Count; i++)
        {
            var keyPair = options.KeyPairs[i];
            var where = $"KeyPairs:{i} ('{keyPair.Name}')";
            CheckName(keyPair.Name, where, names, errors);
            CheckProviderReference(keyPair.Provider, where, providers, errors);
            if (keyPair.ModulusBits is not (2048 or 3072 or 4096))
            {
                errors.Add($"{where}: ModulusBits must be 2048, 3072 or 4096");
            }
        }

        if (options.VersionCacheLifetime < TimeSpan.Zero || options.VersionCacheLifetime > TimeSpan.FromHours(1))
        {
            errors.Add("VersionCacheLifetime must be between 0 and 1 hour");
        }

        return errors;
    }

    private static void CheckProvider(Pkcs11ProviderOptions provider, string where, HashSet<string> names, List<string> errors)
    {
        where = $"{where} ('{provider.Name}')";
        if (string.IsNullOrWhiteSpace(provider.Name))
        {
            errors.Add($"{where}: Name is required");
        }
        else if (!names.Add(provider.Name))
        {
            errors.Add($"{where}: duplicate provider name");
        }

        if (string.IsNullOrWhiteSpace(provider.ModulePath))
        {
            errors.Add($"{where}: ModulePath is required (the HSM vendor's PKCS#11 library)");
        }
        else if (!File.Exists(provider.ModulePath))
        {
            errors.Add($"{where}: PKCS#11 module '{provider.ModulePath}' does not exist");
        }

        if (string.IsNullOrWhiteSpace(provider.TokenLabel))
        {
            errors.Add($"{where}: TokenLabel is required");
        }

        var hasFile = !string.IsNullOrEmpty(provider.PinFile);
        var hasVariable = !string.IsNullOrEmpty(provider.PinEnvironmentVariable);
        if (hasFile == hasVariable)
        {
            errors.Add($"{where}: set exactly one PIN source, PinFile or PinEnvironmentVariable");
        }
        else if (hasFile && !File.Exists(provider.PinFile))
        {
            errors.Add($"{where}: PinFile '{provider.PinFile}' does not exist");
        }
        else if (hasVariable && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(provider.PinEnvironmentVariable!)))
        {
            errors.Add($"{where}: environment variable '{provider.PinEnvironmentVariable}' (PinEnvironmentVariable) is not set");
        }

        if (provider.SessionPoolSize is < 1 or > 256)
        {
            errors.Add($"{where}: SessionPoolSize must be 1–256");
        }

        if (provider.RecycleModuleAfterObjects < 0)
        {
            errors.Add($"{where}: RecycleModuleAfterObjects must be 0 (never) or positive");
        }
    }

    private static void CheckName(string name, string where, HashSet<string> names, List<string> errors)
    {
        if (!ValidName().IsMatch(name))
        {
            errors.Add($"{where}: Name must be 1–64 lower-case letters, digits, '-', '_' or '.'");
        }
        else if (!names.Add(name))
        {
            errors.Add($"{where}: duplicate name (key class and key pair names share one namespace)");
        }
    }

    private static void CheckProviderReference(string provider, string where, HashSet<string> providers, List<string> errors)
    {
        if (!providers.Contains(provider))
        {
            errors.Add($"{where}: unknown provider '{provider}'" + (providers.Count == 0 ? " (no providers are configured)" : $" (configured: {string.Join(", ", providers)})"));
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();
}
