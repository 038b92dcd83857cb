using Sovereignty.KeyService.Pkcs11;

namespace Sovereignty.KeyService.Keys;

/// <summary>
/// The key service's deployment settings, configuration section <c>Sovereignty:Hsm</c>
/// (environment: <c>SOVEREIGNTY__HSM__…</c>): the tokens, the key classes that live on them,
/// and the RSA key pairs (S/MIME, audit checkpoints). Validated as a whole at start-up by
/// <see cref="HsmOptionsValidator"/>.
/// </summary>
/// <example>
/// <code>
/// "Sovereignty": { "Hsm": {
///   "Providers":  [ { "Name": "hsm-paris", "ModulePath": "/opt/vendor/lib/libpkcs11.so",
///                     "TokenLabel": "sovereignty-prod", "PinFile": "/etc/sovereignty/hsm-paris.pin",
///                     "SessionPoolSize": 8 } ],
///   "KeyClasses": [ { "Name": "confidential-fr", "Provider": "hsm-paris", "KeyLabel": "conf-fr", "Residency": "fr" } ],
///   "KeyPairs":   [ { "Name": "smime-signing", "Provider": "hsm-paris", "KeyLabel": "smime-signing" } ] } }
/// </code>
/// </example>
public sealed class HsmOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Sovereignty:Hsm";

    /// <summary>PKCS#11 tokens; several may be active at once (names must be unique).</summary>
    public List<Pkcs11ProviderOptions> Providers { get; set; } = [];

    /// <summary>Key classes: each maps to one provider and key label, with a residency tag.</summary>
    public List<KeyClassOptions> KeyClasses { get; set; } = [];

    /// <summary>RSA key pairs held by providers (signing, escrow decryption).</summary>
    public List<KeyPairOptions> KeyPairs { get; set; } = [];

    /// <summary>
    /// How long a node trusts its list of a class's versions before asking the token again
    /// (default 30 s): another node's rotation becomes the primary here within this time. A
    /// reference to a version not in the list always triggers an immediate refresh.
    /// </summary>
    public TimeSpan VersionCacheLifetime { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>One key class: <c>Sovereignty:Hsm:KeyClasses:N</c>.</summary>
public sealed class KeyClassOptions
{
    /// <summary>Class name that policies refer to, e.g. <c>confidential-fr</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>The <see cref="Pkcs11ProviderOptions.Name"/> of the token holding the class's KEKs.</summary>
    public string Provider { get; set; } = "";

    /// <summary>Key label on the token (letters, digits, '-', '_'); versions are <c>sov.kek.&lt;label&gt;.v&lt;N&gt;</c>. Defaults to the class name.</summary>
    public string? KeyLabel { get; set; }

    /// <summary>Where the keys live (e.g. <c>fr</c>, <c>eu</c>): policies may require a residency.</summary>
    public string Residency { get; set; } = "";

    internal string EffectiveKeyLabel => string.IsNullOrEmpty(KeyLabel) ? Name : KeyLabel;
}

/// <summary>One RSA key pair: <c>Sovereignty:Hsm:KeyPairs:N</c>.</summary>
public sealed class KeyPairOptions
{
    /// <summary>Name the gateway uses (e.g. <c>smime-signing</c>, <c>smime-escrow</c>, <c>audit-checkpoints</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>The provider holding the private key.</summary>
    public string Provider { get; set; } = "";

    /// <summary>CKA_LABEL of the key pair on the token; defaults to the name. An existing key pair may be named here.</summary>
    public string? KeyLabel { get; set; }

    /// <summary>Key size when <c>keys init</c> creates it (default 3072).</summary>
    public int ModulusBits { get; set; } = 3072;

    /// <summary>Where the key lives.</summary>
    public string Residency { get; set; } = "";

    internal string EffectiveKeyLabel => string.IsNullOrEmpty(KeyLabel) ? Name : KeyLabel;
}
