namespace Sovereignty.KeyService.Smime;

/// <summary>Finds the organisation's S/MIME key pairs in the HSM by label.</summary>
public interface ISmimeKeyStore
{
    /// <summary>
    /// A handle on the RSA key pair labelled <paramref name="label"/>. Resolving it may be lazy:
    /// a missing key surfaces as <see cref="KeyErrorKind.KeyNotFound"/> on first use.
    /// </summary>
    ISmimePrivateKey GetKey(string label);
}
