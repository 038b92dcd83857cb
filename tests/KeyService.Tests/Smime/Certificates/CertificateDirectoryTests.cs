using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sovereignty.KeyService.Smime;
using Sovereignty.KeyService.Smime.Certificates;

namespace Sovereignty.KeyService.Tests.Smime.Certificates;

public sealed class CertificateDirectoryTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly string _certs;
    private readonly FakeTimeProvider _time;

    public CertificateDirectoryTests()
    {
        _certs = Path.Combine(_pki.Directory, "certs");
        Directory.CreateDirectory(_certs);
        _time = new FakeTimeProvider(_pki.Now);
    }

    public void Dispose() => _pki.Dispose();

    private CertificateDirectory Directory_(bool requireCrl = true, string[]? crls = null, string[]? anchors = null, TimeSpan? cacheFor = null) =>
        CertificateDirectory.Create(
            new CertificateDirectoryOptions
            {
                Directory = _certs,
                TrustAnchorFiles = anchors ?? [_pki.CaFile],
                CrlFiles = crls ?? [_pki.WriteCrl("ca.crl", _pki.CreateCrl([]))],
                RequireCrl = requireCrl,
                ValidationCacheDuration = cacheFor ?? TimeSpan.Zero,
            },
            _time,
            NullLoggerFactory.Instance);

    private X509Certificate2 Publish(string address, RecipientProfile? profile = null, string? file = null)
    {
        var certificate = _pki.Issue(address, profile);
        _pki.WritePem(Path.Combine("certs", file ?? address + ".pem"), certificate);
        return certificate;
    }

    private static CertificateRejection[] Reasons(CertificateLookupResult result) =>
        [.. result.Rejected.SelectMany(r => r.Problems).Select(p => p.Reason).Distinct()];

    [Fact]
    public async Task FindAsync_ValidCertificate_SelectsItWithSha256Fingerprint()
    {
        var certificate = Publish("alice@partner.example");

        var result = await Directory_().FindAsync("Alice@Partner.Example", CertificateUsage.Encryption, default);

        Assert.True(result.Found, result.Reason);
        Assert.Equal("alice@partner.example", result.Address);
        Assert.Equal(certificate.Thumbprint, result.Selected!.Certificate.Thumbprint);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(certificate.RawData)), result.Selected.Fingerprint);
    }

    [Fact]
    public async Task FindAsync_NoFile_NotFoundWithReason()
    {
        var result = await Directory_().FindAsync("nobody@partner.example", CertificateUsage.Encryption, default);

        Assert.False(result.Found);
        Assert.Empty(result.Rejected);
        Assert.Equal("no certificate in the directory", result.Reason);
    }

    [Fact]
    public async Task FindAsync_ExpiredCertificate_RejectedAsExpired()
    {
        Publish("old@partner.example", new RecipientProfile { NotBefore = TimeSpan.FromDays(-400), NotAfter = TimeSpan.FromDays(-1) });

        var result = await Directory_().FindAsync("old@partner.example", CertificateUsage.Encryption, default);

        Assert.False(result.Found);
        Assert.Equal([CertificateRejection.Expired], Reasons(result));
    }

    [Fact]
    public async Task FindAsync_TimeMovesPastNotAfter_RejectedAsExpired()
    {
        Publish("soon@partner.example", new RecipientProfile { NotAfter = TimeSpan.FromDays(3) });
        var directory = Directory_();
        Assert.True((await directory.FindAsync("soon@partner.example", CertificateUsage.Encryption, default)).Found);

        _time.Advance(TimeSpan.FromDays(4));

        var result = await directory.FindAsync("soon@partner.example", CertificateUsage.Encryption, default);
        Assert.Contains(CertificateRejection.Expired, Reasons(result));
    }

    [Fact]
    public async Task FindAsync_NotYetValid_RejectedAsNotYetValid()
    {
        Publish("future@partner.example", new RecipientProfile { NotBefore = TimeSpan.FromDays(2) });

        var result = await Directory_().FindAsync("future@partner.example", CertificateUsage.Encryption, default);

        Assert.Equal([CertificateRejection.NotYetValid], Reasons(result));
    }

    [Fact]
    public async Task FindAsync_RevokedCertificate_RejectedAsRevoked()
    {
        var revoked = Publish("revoked@partner.example");
        var crl = _pki.WriteCrl("revoking.crl", _pki.CreateCrl([revoked]));

        var result = await Directory_(crls: [crl]).FindAsync("revoked@partner.example", CertificateUsage.Encryption, default);

        Assert.Equal([CertificateRejection.Revoked], Reasons(result));
    }

    [Fact]
    public async Task FindAsync_WrongExtendedKeyUsage_RejectedForExtendedKeyUsage()
    {
        Publish("client@partner.example", new RecipientProfile { ExtendedKeyUsage = TestPki.WrongEku });

        var result = await Directory_().FindAsync("client@partner.example", CertificateUsage.Encryption, default);

        Assert.Equal([CertificateRejection.ExtendedKeyUsage], Reasons(result));
    }

    [Fact]
    public async Task FindAsync_SignatureOnlyKeyUsage_RejectedForEncryptionAcceptedForSigning()
    {
        Publish("signer@partner.example", new RecipientProfile { KeyUsage = X509KeyUsageFlags.DigitalSignature });
        var directory = Directory_();

        var encryption = await directory.FindAsync("signer@partner.example", CertificateUsage.Encryption, default);
        var signing = await directory.FindAsync("signer@partner.example", CertificateUsage.Signing, default);

        Assert.Equal([CertificateRejection.KeyUsage], Reasons(encryption));
        Assert.True(signing.Found, signing.Reason);
    }

    [Fact]
    public async Task FindAsync_CaTrueCertificate_RejectedAsCertificateAuthority()
    {
        Publish("ca@partner.example", new RecipientProfile { CertificateAuthority = true });

        var result = await Directory_().FindAsync("ca@partner.example", CertificateUsage.Encryption, default);

        Assert.Equal([CertificateRejection.CertificateAuthority], Reasons(result));
    }

    [Fact]
    public async Task FindAsync_SubjectAltNameOfAnotherAddress_RejectedAsAddressMismatch()
    {
        Publish("bob@partner.example", new RecipientProfile { SanEmail = "mallory@partner.example" });

        var result = await Directory_().FindAsync("bob@partner.example", CertificateUsage.Encryption, default);

        Assert.Equal([CertificateRejection.AddressMismatch], Reasons(result));
    }

    [Fact]
    public async Task FindAsync_IssuedByUnconfiguredCa_RejectedAsUntrustedChain()
    {
        using var otherCa = _pki.CreateCa("Some Other Root");
        Publish("stranger@partner.example", new RecipientProfile { Issuer = otherCa });

        var result = await Directory_().FindAsync("stranger@partner.example", CertificateUsage.Encryption, default);

        Assert.Contains(CertificateRejection.UntrustedChain, Reasons(result));
    }

    [Fact]
    public async Task FindAsync_NoCrlConfigured_RevocationUnknownUnlessCrlOptional()
    {
        Publish("carol@partner.example");

        var strict = await Directory_(crls: []).FindAsync("carol@partner.example", CertificateUsage.Encryption, default);
        var lenient = await Directory_(requireCrl: false, crls: []).FindAsync("carol@partner.example", CertificateUsage.Encryption, default);

        Assert.Equal([CertificateRejection.RevocationUnknown], Reasons(strict));
        Assert.True(lenient.Found, lenient.Reason);
    }

    [Fact]
    public async Task FindAsync_CrlPastNextUpdate_RevocationUnknown()
    {
        Publish("dave@partner.example");
        var stale = _pki.WriteCrl("stale.crl", _pki.CreateCrl([], nextUpdateIn: TimeSpan.FromDays(-1)));

        var result = await Directory_(crls: [stale]).FindAsync("dave@partner.example", CertificateUsage.Encryption, default);

        Assert.Equal([CertificateRejection.RevocationUnknown], Reasons(result));
        Assert.Contains("out of date", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FindAsync_CrlSignedByAnotherKey_RevocationUnknown()
    {
        Publish("erin@partner.example");
        using var impostor = _pki.CreateCa("Sovereignty Test Root");
        var forged = _pki.WriteCrl("forged.crl", _pki.CreateCrl([], issuer: impostor));

        var result = await Directory_(crls: [forged]).FindAsync("erin@partner.example", CertificateUsage.Encryption, default);

        Assert.Equal([CertificateRejection.RevocationUnknown], Reasons(result));
    }

    [Fact]
    public async Task FindAsync_SeveralValidCertificates_SelectsLongestRemainingValidity()
    {
        var shorter = _pki.Issue("frank@partner.example", new RecipientProfile { NotAfter = TimeSpan.FromDays(30) });
        var longer = _pki.Issue("frank@partner.example", new RecipientProfile { NotAfter = TimeSpan.FromDays(300) });
        var expired = _pki.Issue("frank@partner.example", new RecipientProfile { NotBefore = TimeSpan.FromDays(-90), NotAfter = TimeSpan.FromDays(-2) });
        _pki.WritePem("certs/frank@partner.example.pem", shorter, expired);
        _pki.WritePem("certs/frank@partner.example/renewed.crt", longer);

        var result = await Directory_().FindAsync("frank@partner.example", CertificateUsage.Encryption, default);

        Assert.Equal(longer.Thumbprint, result.Selected?.Certificate.Thumbprint);
        Assert.Single(result.Rejected);
    }

    [Fact]
    public async Task FindAsync_OnlyDomainCertificate_SelectsGatewayCertificate()
    {
        var gateway = _pki.Issue("gateway@corp.example", new RecipientProfile { SanDns = "corp.example" });
        _pki.WritePem("certs/domains/corp.example.pem", gateway);

        var result = await Directory_().FindAsync("anyone@corp.example", CertificateUsage.Encryption, default);

        Assert.Equal(CertificateScope.Domain, result.Selected?.Candidate.Scope);
    }

    [Fact]
    public async Task FindAsync_RevokedAfterFirstLookup_VerdictReusedUntilCacheDurationThenRevoked()
    {
        var certificate = Publish("hugo@partner.example");
        var crl = _pki.WriteCrl("rotating.crl", _pki.CreateCrl([]));
        var directory = Directory_(crls: [crl], cacheFor: TimeSpan.FromMinutes(1));
        Assert.True((await directory.FindAsync("hugo@partner.example", CertificateUsage.Encryption, default)).Found);

        _pki.WriteCrl("rotating.crl", _pki.CreateCrl([certificate]));
        File.SetLastWriteTimeUtc(crl, DateTime.UtcNow.AddMinutes(1));
        _time.Advance(TimeSpan.FromSeconds(30));
        var withinMinute = await directory.FindAsync("hugo@partner.example", CertificateUsage.Encryption, default);
        _time.Advance(TimeSpan.FromSeconds(31));
        var afterMinute = await directory.FindAsync("hugo@partner.example", CertificateUsage.Encryption, default);

        Assert.True(withinMinute.Found);
        Assert.False(afterMinute.Found);
        Assert.Equal([CertificateRejection.Revoked], Reasons(afterMinute));
    }

    [Fact]
    public async Task FindAsync_NoValidationCache_RevocationSeenAtOnce()
    {
        var certificate = Publish("ines@partner.example");
        var crl = _pki.WriteCrl("immediate.crl", _pki.CreateCrl([]));
        var directory = Directory_(crls: [crl]);
        Assert.True((await directory.FindAsync("ines@partner.example", CertificateUsage.Encryption, default)).Found);

        _pki.WriteCrl("immediate.crl", _pki.CreateCrl([certificate]));
        File.SetLastWriteTimeUtc(crl, DateTime.UtcNow.AddMinutes(1));
        var result = await directory.FindAsync("ines@partner.example", CertificateUsage.Encryption, default);

        Assert.Equal([CertificateRejection.Revoked], Reasons(result));
    }

    [Fact]
    public async Task FindAsync_CachedUsableCertificate_NotReusedPastItsExpiry()
    {
        Publish("jules@partner.example", new RecipientProfile { NotAfter = TimeSpan.FromSeconds(20) });
        var directory = Directory_(cacheFor: TimeSpan.FromMinutes(1));
        Assert.True((await directory.FindAsync("jules@partner.example", CertificateUsage.Encryption, default)).Found);

        _time.Advance(TimeSpan.FromSeconds(30));
        var result = await directory.FindAsync("jules@partner.example", CertificateUsage.Encryption, default);

        Assert.False(result.Found);
        Assert.Contains(CertificateRejection.Expired, Reasons(result));
    }

    [Fact]
    public async Task FindAsync_FileReplaced_ReadsTheNewCertificate()
    {
        Publish("gina@partner.example", new RecipientProfile { NotBefore = TimeSpan.FromDays(-400), NotAfter = TimeSpan.FromDays(-1) });
        var directory = Directory_();
        Assert.False((await directory.FindAsync("gina@partner.example", CertificateUsage.Encryption, default)).Found);

        var renewed = Publish("gina@partner.example");
        File.SetLastWriteTimeUtc(Path.Combine(_certs, "gina@partner.example.pem"), DateTime.UtcNow.AddMinutes(1));

        var result = await directory.FindAsync("gina@partner.example", CertificateUsage.Encryption, default);
        Assert.Equal(renewed.Thumbprint, result.Selected?.Certificate.Thumbprint);
    }

    [Fact]
    public async Task FindAsync_UnreadableFile_IgnoredAndNotFound()
    {
        File.WriteAllText(Path.Combine(_certs, "broken@partner.example.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");

        var result = await Directory_().FindAsync("broken@partner.example", CertificateUsage.Encryption, default);

        Assert.False(result.Found);
    }

    [Theory]
    [InlineData("../ca@x")]
    [InlineData("a/b@example.org")]
    [InlineData("no-at-sign")]
    [InlineData("two@@example.org")]
    [InlineData("")]
    public async Task FindAsync_AddressThatCouldEscapeDirectory_Throws(string address)
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await Directory_().FindAsync(address, CertificateUsage.Encryption, default));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(KeyTransport.Pkcs1, null)]
    [InlineData(KeyTransport.OaepSha1, KeyTransport.OaepSha1)]
    [InlineData(KeyTransport.OaepSha256, KeyTransport.OaepSha256)]
    public void AdvertisedOaep_CapabilitiesExtension_ReadsOaepVariant(KeyTransport? advertised, KeyTransport? expected)
    {
        using var certificate = _pki.Issue("h@partner.example", new RecipientProfile { Advertise = advertised });

        Assert.Equal(expected, SmimeCapabilities.AdvertisedOaep(certificate));
    }
}
