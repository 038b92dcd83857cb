using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Sovereignty.KeyService.Providers;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>RSA key pairs: S/MIME signing and key transport, audit checkpoint signatures.</summary>
public sealed partial class Pkcs11KeyProvider
{
    private const int OaepSha256Unknown = 0;
    private const int OaepSha256Native = 1;
    private const int OaepSha256InSoftware = 2;

    // Whether the token does RSA-OAEP with SHA-256 itself: learnt from the first attempt.
    private int _oaepSha256Support;

    /// <inheritdoc/>
    public async Task<RsaPublicKeyInfo> CreateRsaKeyPairAsync(string keyLabel, int modulusBits, CancellationToken cancellationToken)
    {
        ValidateKeyPairLabel(keyLabel);
        if (modulusBits is not (2048 or 3072 or 4096))
        {
            throw new KeyServiceException(KeyErrorKind.Configuration, $"RSA key size must be 2048, 3072 or 4096 bits, not {modulusBits}.");
        }

        var id = RandomNumberGenerator.GetBytes(16);
        var info = await _pool.RunAsync($"RSA key pair '{keyLabel}'", session =>
        {
            if (session.FindAllObjectsAndFree(Pkcs11Templates.RsaPrivateKeyByLabel(keyLabel)).Count > 0)
            {
                throw new KeyServiceException(KeyErrorKind.Configuration, $"An RSA key pair labelled '{keyLabel}' already exists on {Where}.");
            }

            ThrowIfLoggedOut(session);
            var mechanism = Pkcs11Module.Factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN);
            var privateKey = session.GenerateKeyPairAndFree(mechanism, Pkcs11Templates.RsaPublicKey(keyLabel, id, modulusBits), Pkcs11Templates.RsaPrivateKey(keyLabel, id));
            return ReadPublicKey(session, privateKey, keyLabel);
        }, cancellationToken).ConfigureAwait(false);

        Pkcs11Log.KeyCreated(_logger, Name, "RSA key pair", keyLabel, info.KeyId);
        return info;
    }

    /// <inheritdoc/>
    public Task<RsaPublicKeyInfo> GetRsaPublicKeyAsync(string keyLabel, CancellationToken cancellationToken)
    {
        ValidateKeyPairLabel(keyLabel);
        return _pool.RunAsync($"RSA key pair '{keyLabel}'",
            session => ReadPublicKey(session, FindPrivateKey(session, keyLabel), keyLabel), cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public Task<byte[]> SignAsync(string keyLabel, ReadOnlyMemory<byte> data, RsaSignatureScheme scheme, CancellationToken cancellationToken)
    {
        ValidateKeyPairLabel(keyLabel);
        var mechanismType = scheme switch
        {
            RsaSignatureScheme.Pkcs1Sha256 => CKM.CKM_SHA256_RSA_PKCS,
            RsaSignatureScheme.Pkcs1DigestInfo => CKM.CKM_RSA_PKCS,
            _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, null),
        };
        return _pool.RunAsync($"sign with '{keyLabel}'", session =>
        {
            var key = FindPrivateKey(session, keyLabel);
            return session.Sign(Pkcs11Module.Factories.MechanismFactory.Create(mechanismType), key, data.ToArray());
        }, cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public async Task<byte[]> DecryptAsync(string keyLabel, ReadOnlyMemory<byte> ciphertext, RsaDecryptionScheme scheme, CancellationToken cancellationToken)
    {
        ValidateKeyPairLabel(keyLabel);
        var what = $"decrypt with '{keyLabel}'";
        var mechanisms = Pkcs11Module.Factories.MechanismFactory;
        switch (scheme)
        {
            case RsaDecryptionScheme.Pkcs1:
                return await DecryptWithAsync(what, keyLabel, ciphertext, mechanisms.Create(CKM.CKM_RSA_PKCS), cancellationToken).ConfigureAwait(false);
            case RsaDecryptionScheme.Raw:
                return await DecryptWithAsync(what, keyLabel, ciphertext, mechanisms.Create(CKM.CKM_RSA_X_509), cancellationToken).ConfigureAwait(false);
            case RsaDecryptionScheme.OaepSha1:
                return await DecryptWithAsync(what, keyLabel, ciphertext, Oaep(CKM.CKM_SHA_1, CKG.CKG_MGF1_SHA1), cancellationToken).ConfigureAwait(false);
            case RsaDecryptionScheme.OaepSha256:
                return await DecryptOaepSha256Async(what, keyLabel, ciphertext, cancellationToken).ConfigureAwait(false);
            default:
                throw new ArgumentOutOfRangeException(nameof(scheme), scheme, null);
        }
    }

    private async Task<byte[]> DecryptOaepSha256Async(string what, string keyLabel, ReadOnlyMemory<byte> ciphertext, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _oaepSha256Support) != OaepSha256InSoftware)
        {
            try
            {
                var plain = await DecryptWithAsync(what, keyLabel, ciphertext, Oaep(CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256), cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _oaepSha256Support, OaepSha256Native);
                return plain;
            }
            catch (HsmException ex) when (Volatile.Read(ref _oaepSha256Support) == OaepSha256Unknown
                && ex.ReturnValue is CKR.CKR_ARGUMENTS_BAD or CKR.CKR_MECHANISM_PARAM_INVALID or CKR.CKR_MECHANISM_INVALID)
            {
                // Real HSMs do OAEP-SHA256 natively; SoftHSM refuses it: remember, then go raw.
                Volatile.Write(ref _oaepSha256Support, OaepSha256InSoftware);
                Pkcs11Log.OaepSha256InSoftware(_logger, Name, ex.ErrorCode);
            }
        }

        var raw = await DecryptWithAsync(what, keyLabel, ciphertext, Pkcs11Module.Factories.MechanismFactory.Create(CKM.CKM_RSA_X_509), cancellationToken).ConfigureAwait(false);
        try
        {
            return RsaOaepDecoder.DecodeSha256(raw, ciphertext.Length);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    private Task<byte[]> DecryptWithAsync(string what, string keyLabel, ReadOnlyMemory<byte> ciphertext, IMechanism mechanism, CancellationToken cancellationToken) =>
        _pool.RunAsync(what, session =>
        {
            var key = FindPrivateKey(session, keyLabel);
            var data = ciphertext.ToArray();
            ThrowIfNotBelowModulus(session, key, data, keyLabel);
            return session.Decrypt(mechanism, key, data);
        }, cancellationToken).AsTask();

    /// <summary>
    /// Refuses a ciphertext of the modulus' length whose value is not below the modulus: it was
    /// not encrypted to this key (e.g. another recipient's key slot). SoftHSM answers such input
    /// with CKR_GENERAL_ERROR, which would read as an unavailable HSM and make the caller retry
    /// in vain; about one foreign ciphertext in eight is affected.
    /// </summary>
    private void ThrowIfNotBelowModulus(ISession session, IObjectHandle privateKey, byte[] ciphertext, string keyLabel)
    {
        var modulus = session.GetAttributeValue(privateKey, [CKA.CKA_MODULUS])[0].GetValueAsByteArray();
        if (ciphertext.Length == modulus.Length && ciphertext.AsSpan().SequenceCompareTo(modulus) >= 0)
        {
            throw new KeyServiceException(KeyErrorKind.InvalidData,
                $"The ciphertext is not below the modulus of key pair '{keyLabel}' on {Where}: it was not encrypted to this key.");
        }
    }

    private static IMechanism Oaep(CKM hash, CKG mgf)
    {
        var parameters = Pkcs11Module.Factories.MechanismParamsFactory.CreateCkRsaPkcsOaepParams(
            ConvertUtils.UInt64FromCKM(hash), ConvertUtils.UInt64FromCKG(mgf), ConvertUtils.UInt64FromUInt32(CKZ.CKZ_DATA_SPECIFIED), null);
        return Pkcs11Module.Factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_OAEP, parameters);
    }

    private IObjectHandle FindPrivateKey(ISession session, string keyLabel)
    {
        var cacheKey = "rsa:" + keyLabel;
        // No working copy here: an RSA operation costs far more than SoftHSM's file checks.
        var generation = _module.Generation;
        if (_handles.Get(cacheKey, generation, handle => session.GetAttributeValue(handle, [CKA.CKA_LABEL])[0].GetValueAsString() == keyLabel, static _ => { }) is { } cached)
        {
            return cached;
        }

        var found = session.FindAllObjectsAndFree(Pkcs11Templates.RsaPrivateKeyByLabel(keyLabel));
        if (found.Count == 0)
        {
            ThrowIfLoggedOut(session);
        }

        return found.Count switch
        {
            1 => _handles.Add(cacheKey, found[0], found[0], generation, static _ => { }),
            0 => throw new KeyServiceException(KeyErrorKind.KeyNotFound, $"No RSA private key labelled '{keyLabel}' on {Where}."),
            _ => throw new KeyServiceException(KeyErrorKind.Configuration, $"Several RSA private keys are labelled '{keyLabel}' on {Where}; labels must be unique."),
        };
    }

    private static RsaPublicKeyInfo ReadPublicKey(ISession session, IObjectHandle privateKey, string keyLabel)
    {
        // Modulus and public exponent are public attributes even of a sensitive private key.
        var attributes = session.GetAttributeValue(privateKey, [CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT, CKA.CKA_ID]);
        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = attributes[0].GetValueAsByteArray(),
            Exponent = attributes[1].GetValueAsByteArray(),
        });
        return new RsaPublicKeyInfo(Convert.ToHexStringLower(attributes[2].GetValueAsByteArray()), keyLabel, rsa.ExportSubjectPublicKeyInfo(), rsa.KeySize);
    }

    private static void ValidateKeyPairLabel(string keyLabel)
    {
        if (string.IsNullOrWhiteSpace(keyLabel) || keyLabel.Length > 128)
        {
            throw new KeyServiceException(KeyErrorKind.Configuration, "An RSA key label must be 1–128 characters.");
        }
    }
}
