using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using LowLevel = Net.Pkcs11Interop.LowLevelAPI80;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>
/// Pkcs11Interop's session for 64-bit Unix modules (8-byte CK_ULONG), plus a data-key wrap made
/// in one C_WrapKey call.
/// </summary>
/// <remarks>
/// Why: Pkcs11Interop's <c>WrapKey</c> first asks the token for the output length (C_WrapKey with
/// no buffer), then wraps. SoftHSM answers the length question by doing the whole wrap (KEK
/// attributes read, key unwrapped from its object, RFC 5649 run) and discarding the result, so
/// every data key was wrapped twice. The length is known beforehand: RFC 5649 turns an n-byte
/// key into n rounded up to a multiple of 8, plus 8.
/// </remarks>
internal sealed class Pkcs11Session : Net.Pkcs11Interop.HighLevelAPI80.Session
{
    public Pkcs11Session(Pkcs11InteropFactories factories, LowLevel.Pkcs11Library library, ulong sessionId)
        : base(factories, library, sessionId)
    {
    }

    /// <summary>The RFC 5649 output length for a key of <paramref name="keyLength"/> bytes.</summary>
    public static int PaddedWrapLength(int keyLength) => ((keyLength + 7) / 8 * 8) + 8;

    /// <summary>
    /// Wraps <paramref name="key"/> (of <paramref name="keyLength"/> bytes) under
    /// <paramref name="wrappingKey"/> with <c>CKM_AES_KEY_WRAP_PAD</c>, in one call into a buffer
    /// of the RFC 5649 length; a token that wants more room gets Pkcs11Interop's two-call wrap.
    /// </summary>
    /// <exception cref="Pkcs11Exception">The token refused the wrap.</exception>
    public byte[] WrapKeyPadded(IObjectHandle wrappingKey, IObjectHandle key, int keyLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var mechanism = LowLevel.CkmUtils.CreateMechanism(CKM.CKM_AES_KEY_WRAP_PAD);
        var wrapped = new byte[PaddedWrapLength(keyLength)];
        var length = (ulong)wrapped.Length;
        var rv = _pkcs11Library.C_WrapKey(_sessionId, ref mechanism, wrappingKey.ObjectId, key.ObjectId, wrapped, ref length);
        if (rv == CKR.CKR_BUFFER_TOO_SMALL)
        {
            return WrapKey(Pkcs11Module.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP_PAD), wrappingKey, key);
        }

        if (rv != CKR.CKR_OK)
        {
            throw new Pkcs11Exception("C_WrapKey", rv);
        }

        return length == (ulong)wrapped.Length ? wrapped : wrapped[..(int)length];
    }
}
