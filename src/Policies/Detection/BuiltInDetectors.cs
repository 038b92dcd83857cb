using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Sovereignty.Policies.Detection.BuiltIn;

namespace Sovereignty.Policies.Detection;

/// <summary>
/// The catalogue of built-in detectors, by the stable type names policies use. Each one
/// validates candidates with the real check algorithm of the identifier it finds; see
/// docs/detectors.md for algorithms, confidence values and context rules.
/// </summary>
public static class BuiltInDetectors
{
    private static readonly FrozenDictionary<string, Func<DetectorSettings, IDetector>> Factories =
        new Dictionary<string, Func<DetectorSettings, IDetector>>
        {
            [FrenchNirDetector.Type] = s => new FrenchNirDetector(s),
            [FrenchSirenDetector.Type] = s => new FrenchSirenDetector(s),
            [FrenchSiretDetector.Type] = s => new FrenchSiretDetector(s),
            [FrenchVatDetector.Type] = s => new FrenchVatDetector(s),
            [FrenchNifDetector.Type] = s => new FrenchNifDetector(s),
            [IbanDetector.Type] = s => new IbanDetector(s),
            [PaymentCardDetector.Type] = s => new PaymentCardDetector(s),
            [FrenchPhoneDetector.Type] = s => new FrenchPhoneDetector(s),
            [EmailDetector.Type] = s => new EmailDetector(s),
            [FrenchPassportDetector.Type] = s => new FrenchPassportDetector(s),
            [FrenchCniDetector.Type] = s => new FrenchCniDetector(s),
        }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every built-in type name, in a stable order.</summary>
    public static IReadOnlyList<string> Types { get; } =
    [
        FrenchNirDetector.Type,
        FrenchSirenDetector.Type,
        FrenchSiretDetector.Type,
        FrenchVatDetector.Type,
        FrenchNifDetector.Type,
        IbanDetector.Type,
        PaymentCardDetector.Type,
        FrenchPhoneDetector.Type,
        EmailDetector.Type,
        FrenchPassportDetector.Type,
        FrenchCniDetector.Type,
    ];

    /// <summary>Whether <paramref name="type"/> names a built-in detector.</summary>
    public static bool IsBuiltIn(string type) => Factories.ContainsKey(type);

    /// <summary>
    /// Creates the built-in detector <paramref name="type"/> with <paramref name="settings"/>
    /// (extra context words, distance, whether context is required, minimum count, confidence).
    /// Returns false for an unknown type.
    /// </summary>
    /// <exception cref="ArgumentException">The settings are invalid (see <see cref="DetectorSettingsValidator"/>).</exception>
    public static bool TryCreate(string type, DetectorSettings settings, [NotNullWhen(true)] out IDetector? detector)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(settings);
        if (!Factories.TryGetValue(type, out var factory))
        {
            detector = null;
            return false;
        }

        DetectorSettingsValidator.ThrowIfInvalid(settings);
        detector = factory(settings);
        return true;
    }

    /// <summary>Creates every built-in detector with default settings.</summary>
    public static IReadOnlyList<IDetector> CreateAll() => [.. Types.Select(t => Factories[t](DetectorSettings.Default))];
}
