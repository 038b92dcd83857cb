using MimeKit;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Tests.Support;

namespace Sovereignty.KeyService.Tests.Smime.Signing;

public sealed class SmimeSignerTests : IClassFixture<SmimeFixture>
{
    private readonly SmimeFixture _fixture;

    public SmimeSignerTests(SmimeFixture fixture) => _fixture = fixture;

    private async Task<(MimeMessage Message, Harness Harness)> SignAsync()
    {
        var harness = _fixture.CreateHarness();
        var message = SmimeFixture.CanaryMessage("SIGNED", SmimeFixture.Alice);
        await harness.Services.Signer!.SignMessageAsync(message, SmimeFixture.Use, default);
        return (message, harness);
    }

    [Fact]
    public async Task SignMessageAsync_Signature_VerifiesWithOpensslCms()
    {
        var (message, _) = await SignAsync();
        var path = await CmsInspection.WriteAsync(message, _fixture.Pki.Directory, Guid.NewGuid() + ".eml");

        var (exit, output, error) = await ExternalTool.RunAsync("openssl", "cms", "-verify", "-in", path, "-CAfile", _fixture.Pki.CaFile, "-purpose", "smimesign");

        Assert.True(exit == 0, error);
        Assert.Contains("Verification successful", error, StringComparison.Ordinal);
        Assert.Contains("SIGNED-BODY", output, StringComparison.Ordinal);
        Assert.Equal("multipart/signed", message.Body!.ContentType.MimeType);
        Assert.Equal("sha-256", message.Body.ContentType.Parameters["micalg"]);
    }

    [Fact]
    public async Task SignMessageAsync_Signature_VerifiesWithNssCmsutil()
    {
        var (message, _) = await SignAsync();
        var signed = Assert.IsType<MimeKit.Cryptography.MultipartSigned>(message.Body);
        var content = Path.Combine(_fixture.Pki.Directory, Guid.NewGuid() + ".txt");
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        await using (var stream = File.Create(content))
        {
            await signed[0].WriteToAsync(options, stream);
        }

        var signature = Path.Combine(_fixture.Pki.Directory, Guid.NewGuid() + ".p7s");
        await using (var stream = File.Create(signature))
        {
            await ((MimePart)signed[1]).Content!.DecodeToAsync(stream);
        }

        var db = Path.Combine(_fixture.Pki.Directory, "nss-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(db);
        await ExternalTool.RunOkAsync("certutil", "-N", "-d", "sql:" + db, "--empty-password");
        await ExternalTool.RunOkAsync("certutil", "-A", "-d", "sql:" + db, "-n", "test-root", "-t", "C,C,C", "-i", _fixture.Pki.CaFile);

        var output = await ExternalTool.RunOkAsync("cmsutil", "-D", "-n", "-h", "1", "-i", signature, "-c", content, "-d", "sql:" + db, "-u", "4");

        Assert.Contains("signer0.status=GoodSignature", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignMessageAsync_OneSignature_RecordsExactlyOneSignEvent()
    {
        var (_, harness) = await SignAsync();

        var keyEvent = Assert.Single(harness.Log.Events);
        Assert.Equal(KeyOperation.Sign, keyEvent.Operation);
        Assert.Equal(KeyEventResult.Ok, keyEvent.Result);
        Assert.Equal("smime-signing", keyEvent.KeyClass);
        Assert.Equal("jdupont", keyEvent.Use.Actor);
    }

    [Fact]
    public async Task SignMessageAsync_AuditLogDown_RetryableErrorAndBodyNotSigned()
    {
        var harness = _fixture.CreateHarness();
        harness.Log.Fail = true;
        var message = SmimeFixture.CanaryMessage("X", SmimeFixture.Alice);

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Services.Signer!.SignMessageAsync(message, SmimeFixture.Use, default));

        Assert.True(error.IsRetryable);
        Assert.NotEqual("multipart/signed", message.Body!.ContentType.MimeType);
    }

    [Fact]
    public async Task SignMessageAsync_HsmUnavailable_RetryableErrorAndErrorEventRecorded()
    {
        var harness = _fixture.CreateHarness();
        harness.Keys.Unavailable = true;
        var message = SmimeFixture.CanaryMessage("X", SmimeFixture.Alice);

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Services.Signer!.SignMessageAsync(message, SmimeFixture.Use, default));

        Assert.True(error.IsRetryable);
        var keyEvent = Assert.Single(harness.Log.Events);
        Assert.Equal(KeyEventResult.Error, keyEvent.Result);
        Assert.Equal("Unavailable", keyEvent.ErrorCode);
    }

    [Fact]
    public async Task SignMessageAsync_KeyDoesNotMatchCertificate_ConfigurationError()
    {
        var options = _fixture.Options();
        var log = new RecordingKeyEventLog();
        var keys = new SoftwareKeyPairRing(new() { ["smime-signing"] = _fixture.Escrow, ["smime-escrow"] = _fixture.Escrow }, log);
        var services = Sovereignty.KeyService.Smime.SmimeServices.Create(options, keys, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => services.Signer!.SignMessageAsync(SmimeFixture.CanaryMessage("X"), SmimeFixture.Use, default));

        Assert.Equal(KeyErrorKind.Configuration, error.Kind);
        Assert.Single(log.Events);
    }
}
