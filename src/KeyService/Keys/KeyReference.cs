namespace Sovereignty.KeyService.Keys;

/// <summary>
/// Names one version of a key-encryption key: what an envelope header stores so the
/// DEK can be unwrapped again, after any number of rotations, until that version is shredded.
/// </summary>
/// <param name="KeyClass">The configured key class, e.g. <c>confidential-fr</c>.</param>
/// <param name="KeyId">The provider's stable identifier of this version (PKCS#11: hex CKA_ID).</param>
/// <param name="Version">The version number within the class, starting at 1.</param>
public sealed record KeyReference(string KeyClass, string KeyId, int Version)
{
    /// <inheritdoc/>
    public override string ToString() => $"{KeyClass}:v{Version} ({KeyId})";
}
