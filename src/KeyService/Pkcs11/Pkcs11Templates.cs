using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Net.Pkcs11Interop.HighLevelAPI.Factories;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>The attribute templates the provider creates and searches with, in one place for review.</summary>
internal static class Pkcs11Templates
{
    private static IObjectAttributeFactory Attr => Pkcs11Module.Factories.ObjectAttributeFactory;

    /// <summary>KEK: AES-256 token key that can only wrap and unwrap, and never leaves the token.</summary>
    public static List<IObjectAttribute> Kek(string objectLabel, byte[] id) =>
    [
        Attr.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
        Attr.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
        Attr.Create(CKA.CKA_VALUE_LEN, 32UL),
        Attr.Create(CKA.CKA_TOKEN, true),
        Attr.Create(CKA.CKA_PRIVATE, true),
        Attr.Create(CKA.CKA_SENSITIVE, true),
        Attr.Create(CKA.CKA_EXTRACTABLE, false),
        Attr.Create(CKA.CKA_WRAP, true),
        Attr.Create(CKA.CKA_UNWRAP, true),
        Attr.Create(CKA.CKA_ENCRYPT, false),
        Attr.Create(CKA.CKA_DECRYPT, false),
        Attr.Create(CKA.CKA_SIGN, false),
        Attr.Create(CKA.CKA_VERIFY, false),
        Attr.Create(CKA.CKA_DERIVE, false),
        Attr.Create(CKA.CKA_LABEL, objectLabel),
        Attr.Create(CKA.CKA_ID, id),
    ];

    /// <summary>
    /// A KEK's working copy (C_CopyObject): the same key as a session object. Every other
    /// attribute is copied unchanged, so it stays private, sensitive, not extractable and
    /// limited to wrapping and unwrapping. Why it exists: Pkcs11KeyProvider.WorkingCopy.
    /// </summary>
    public static List<IObjectAttribute> WorkingCopyOfKek() =>
    [
        Attr.Create(CKA.CKA_TOKEN, false),
    ];

    /// <summary>All AES token keys: KEK versions are picked out of these by label.</summary>
    public static List<IObjectAttribute> AllAesTokenKeys() =>
    [
        Attr.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
        Attr.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
        Attr.Create(CKA.CKA_TOKEN, true),
    ];

    public static List<IObjectAttribute> SecretKeyById(byte[] id) =>
    [
        Attr.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
        Attr.Create(CKA.CKA_TOKEN, true),
        Attr.Create(CKA.CKA_ID, id),
    ];

    /// <summary>Record that a KEK version was shredded; the value is the KEK's CKA_ID.</summary>
    public static List<IObjectAttribute> Tombstone(string objectLabel, byte[] id) =>
    [
        Attr.Create(CKA.CKA_CLASS, CKO.CKO_DATA),
        Attr.Create(CKA.CKA_TOKEN, true),
        Attr.Create(CKA.CKA_PRIVATE, true),
        Attr.Create(CKA.CKA_APPLICATION, KekLabels.TombstoneApplication),
        Attr.Create(CKA.CKA_LABEL, objectLabel),
        Attr.Create(CKA.CKA_VALUE, id),
    ];

    public static List<IObjectAttribute> AllTombstones() =>
    [
        Attr.Create(CKA.CKA_CLASS, CKO.CKO_DATA),
        Attr.Create(CKA.CKA_TOKEN, true),
        Attr.Create(CKA.CKA_APPLICATION, KekLabels.TombstoneApplication),
    ];

    public static List<IObjectAttribute> TombstoneById(byte[] id) =>
    [
        Attr.Create(CKA.CKA_CLASS, CKO.CKO_DATA),
        Attr.Create(CKA.CKA_TOKEN, true),
        Attr.Create(CKA.CKA_APPLICATION, KekLabels.TombstoneApplication),
        Attr.Create(CKA.CKA_VALUE, id),
    ];

    /// <summary>
    /// A data key as a short-lived session object, so the token can wrap it. Not private
    /// (<c>CKA_PRIVATE</c> false): a session object is visible to this application's sessions
    /// only and lives for one call, and its value is in this process's memory anyway; a
    /// private one makes SoftHSM encrypt the value under the token's own key on creation and
    /// decrypt it again to wrap it, behind a lock all sessions share (measured in
    /// performance.md, "HSM key wrap": +17 % wraps/s on one thread, more on two). The same
    /// holds for <see cref="UnwrappedDataKey"/>, whose value is read back at once.
    /// </summary>
    public static List<IObjectAttribute> DataKeyToWrap(byte[] value) =>
    [
        Attr.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
        Attr.Create(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET),
        Attr.Create(CKA.CKA_TOKEN, false),
        Attr.Create(CKA.CKA_PRIVATE, false),
        Attr.Create(CKA.CKA_SENSITIVE, false),
        Attr.Create(CKA.CKA_EXTRACTABLE, true),
        Attr.Create(CKA.CKA_VALUE, value),
    ];

    /// <summary>
    /// An unwrapped data key: a session object that is not sensitive, so its value can be read
    /// back (a sensitive one cannot); it is destroyed right after.
    /// </summary>
    public static List<IObjectAttribute> UnwrappedDataKey() =>
    [
        Attr.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
        Attr.Create(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET),
        Attr.Create(CKA.CKA_TOKEN, false),
        Attr.Create(CKA.CKA_PRIVATE, false),
        Attr.Create(CKA.CKA_SENSITIVE, false),
        Attr.Create(CKA.CKA_EXTRACTABLE, true),
    ];

    public static List<IObjectAttribute> RsaPublicKey(string label, byte[] id, int modulusBits) =>
    [
        Attr.Create(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY),
        Attr.Create(CKA.CKA_KEY_TYPE, CKK.CKK_RSA),
        Attr.Create(CKA.CKA_TOKEN, true),
        Attr.Create(CKA.CKA_PRIVATE, false),
        Attr.Create(CKA.CKA_ENCRYPT, true),
        Attr.Create(CKA.CKA_VERIFY, true),
        Attr.Create(CKA.CKA_WRAP, false),
        Attr.Create(CKA.CKA_MODULUS_BITS, (ulong)modulusBits),
        Attr.Create(CKA.CKA_PUBLIC_EXPONENT, new byte[] { 0x01, 0x00, 0x01 }),
        Attr.Create(CKA.CKA_LABEL, label),
        Attr.Create(CKA.CKA_ID, id),
    ];

    /// <summary>RSA private key: sensitive, never extractable, signs and decrypts (key transport), nothing else.</summary>
    public static List<IObjectAttribute> RsaPrivateKey(string label, byte[] id) =>
    [
        Attr.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY),
        Attr.Create(CKA.CKA_KEY_TYPE, CKK.CKK_RSA),
        Attr.Create(CKA.CKA_TOKEN, true),
        Attr.Create(CKA.CKA_PRIVATE, true),
        Attr.Create(CKA.CKA_SENSITIVE, true),
        Attr.Create(CKA.CKA_EXTRACTABLE, false),
        Attr.Create(CKA.CKA_SIGN, true),
        Attr.Create(CKA.CKA_DECRYPT, true),
        Attr.Create(CKA.CKA_UNWRAP, false),
        Attr.Create(CKA.CKA_DERIVE, false),
        Attr.Create(CKA.CKA_LABEL, label),
        Attr.Create(CKA.CKA_ID, id),
    ];

    public static List<IObjectAttribute> RsaPrivateKeyByLabel(string label) =>
    [
        Attr.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY),
        Attr.Create(CKA.CKA_KEY_TYPE, CKK.CKK_RSA),
        Attr.Create(CKA.CKA_TOKEN, true),
        Attr.Create(CKA.CKA_LABEL, label),
    ];
}
