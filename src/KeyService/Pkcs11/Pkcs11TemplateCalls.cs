using Net.Pkcs11Interop.HighLevelAPI;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>
/// The PKCS#11 calls that take attribute templates, keeping each template alive for the whole
/// native call and freeing it right after.
/// </summary>
/// <remarks>
/// Pkcs11Interop copies every attribute's pointer to unmanaged memory into the native template
/// and then no longer references the attribute objects, whose finalizers free that memory. Under
/// GC pressure the token could read freed memory in the middle of the call: seen as SoftHSM
/// answering <c>CKR_ATTRIBUTE_VALUE_INVALID</c> to C_CreateObject and C_UnwrapKey, with constant
/// templates, when two threads ran at once on a loaded machine. Disposing the attributes in a
/// <c>finally</c> keeps them reachable until the call has returned, and frees their memory
/// (including data-key values) deterministically instead of at some later finalization.
/// </remarks>
internal static class Pkcs11TemplateCalls
{
    public static IObjectHandle CreateObjectAndFree(this ISession session, List<IObjectAttribute> template)
    {
        try
        {
            return session.CreateObject(template);
        }
        finally
        {
            Free(template);
        }
    }

    public static List<IObjectHandle> FindAllObjectsAndFree(this ISession session, List<IObjectAttribute> template)
    {
        try
        {
            return session.FindAllObjects(template);
        }
        finally
        {
            Free(template);
        }
    }

    public static IObjectHandle GenerateKeyAndFree(this ISession session, IMechanism mechanism, List<IObjectAttribute> template)
    {
        try
        {
            return session.GenerateKey(mechanism, template);
        }
        finally
        {
            Free(template);
        }
    }

    public static IObjectHandle GenerateKeyPairAndFree(this ISession session, IMechanism mechanism, List<IObjectAttribute> publicTemplate, List<IObjectAttribute> privateTemplate)
    {
        try
        {
            session.GenerateKeyPair(mechanism, publicTemplate, privateTemplate, out _, out var privateKey);
            return privateKey;
        }
        finally
        {
            Free(publicTemplate);
            Free(privateTemplate);
        }
    }

    public static IObjectHandle UnwrapKeyAndFree(this ISession session, IMechanism mechanism, IObjectHandle unwrappingKey, byte[] wrappedKey, List<IObjectAttribute> template)
    {
        try
        {
            return session.UnwrapKey(mechanism, unwrappingKey, wrappedKey, template);
        }
        finally
        {
            Free(template);
        }
    }

    private static void Free(List<IObjectAttribute> template)
    {
        foreach (var attribute in template)
        {
            attribute.Dispose();
        }
    }
}
