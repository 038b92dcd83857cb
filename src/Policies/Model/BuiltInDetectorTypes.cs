namespace Sovereignty.Policies.Model;

/// <summary>The detector types a policy may name besides <c>keywords</c> and <c>regex</c>.</summary>
public static class BuiltInDetectorTypes
{
    public static IReadOnlyList<string> All { get; } =
    [
        "fr-nir", "fr-siren", "fr-siret", "fr-vat", "fr-nif", "iban", "payment-card",
        "fr-phone", "email", "fr-passport", "fr-cni",
    ];
}
