using Net.Pkcs11Interop.Common;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>
/// A PKCS#11 call failed. Carries the failing function (e.g. <c>C_UnwrapKey</c>) and its
/// <c>CKR_*</c> return value; <see cref="KeyServiceException.Kind"/> says whether to retry.
/// Messages never contain PINs or key material.
/// </summary>
public sealed class HsmException : KeyServiceException
{
    public HsmException(KeyErrorKind kind, string function, CKR returnValue, string message, Exception? innerException = null)
        : base(kind, message, innerException)
    {
        Function = function;
        ReturnValue = returnValue;
    }

    /// <summary>The PKCS#11 function that failed, e.g. <c>C_Login</c>.</summary>
    public string Function { get; }

    /// <summary>The PKCS#11 return value.</summary>
    public CKR ReturnValue { get; }

    /// <summary>The return value's name, e.g. <c>CKR_PIN_INCORRECT</c>: the stable error code for audit events.</summary>
    public string ErrorCode => ReturnValue.ToString();
}
