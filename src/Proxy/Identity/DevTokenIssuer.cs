using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Sovereignty.Proxy.Identity;

/// <summary>
/// Mints JWTs with a local ECDSA P-256 key: the stand-in identity provider for local runs
/// (<c>sovereignty dev token</c>) and tests. Never used by <c>serve</c> itself, which only
/// validates tokens.
/// </summary>
public sealed class DevTokenIssuer : IDisposable
{
    private readonly ECDsa _key;
    private readonly ECDsaSecurityKey _securityKey;

    private DevTokenIssuer(ECDsa key)
    {
        _key = key;
        _securityKey = new ECDsaSecurityKey(key) { KeyId = SigningKeyLoader.KeyIdOf(key.ExportSubjectPublicKeyInfo()) };
    }

    /// <summary>A fresh P-256 key held in memory.</summary>
    public static DevTokenIssuer Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>
    /// Loads the private key from <paramref name="privateKeyFile"/>, creating it (mode 600) when
    /// missing, with its public key beside it (<c>.pub.pem</c>) for <c>serve</c> to trust.
    /// </summary>
    public static DevTokenIssuer LoadOrCreate(string privateKeyFile)
    {
        if (File.Exists(privateKeyFile))
        {
            var existing = ECDsa.Create();
            existing.ImportFromPem(File.ReadAllText(privateKeyFile));
            return new DevTokenIssuer(existing);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(privateKeyFile))!);
        var issuer = Generate();
        File.WriteAllText(privateKeyFile, issuer._key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(privateKeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(PublicKeyFileOf(privateKeyFile), issuer.PublicKeyPem);

        return issuer;
    }

    /// <summary>Where <see cref="LoadOrCreate"/> writes the public key of <paramref name="privateKeyFile"/>.</summary>
    public static string PublicKeyFileOf(string privateKeyFile) => Path.ChangeExtension(privateKeyFile, ".pub.pem");

    /// <summary>The public key as PEM (what <c>Sovereignty:Identity:SigningKeys</c> takes).</summary>
    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>The public key as a JWKS document.</summary>
    public string JwksJson
    {
        get
        {
            JsonWebKey jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(_securityKey);
            jwk.Use = "sig";
            jwk.Alg = SecurityAlgorithms.EcdsaSha256;
            return System.Text.Json.JsonSerializer.Serialize(new
            {
                keys = new[] { new { kty = jwk.Kty, use = jwk.Use, alg = jwk.Alg, kid = jwk.Kid, crv = jwk.Crv, x = jwk.X, y = jwk.Y } },
            });
        }
    }

    /// <summary>Mints a token for <paramref name="subject"/> in <paramref name="groups"/>, holding <paramref name="roles"/> (e.g. <c>auditor</c>).</summary>
    public string Mint(string issuer, string audience, string subject, IEnumerable<string> groups, TimeSpan lifetime, DateTimeOffset now, IEnumerable<string>? roles = null)
    {
        var claims = new List<Claim> { new("sub", subject) };
        claims.AddRange(groups.Select(group => new Claim("groups", group)));
        claims.AddRange((roles ?? []).Select(role => new Claim("roles", role)));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(_securityKey, SecurityAlgorithms.EcdsaSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public void Dispose() => _key.Dispose();
}
