using Microsoft.Extensions.Options;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.Proxy.Hosting;

namespace Sovereignty.Proxy.Tests.Hosting;

/// <summary>The CLI's local key event log: one fsync'd JSON line per event, recipients never in clear.</summary>
public sealed class FileKeyEventLogTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sov-keylog-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task RecordAsync_MailRecipients_WrittenAsHashesOnly()
    {
        var path = Path.Combine(_directory, "key-events.jsonl");
        using var log = new FileKeyEventLog(Options.Create(new FileKeyEventLogOptions { Path = path }), TimeProvider.System);
        var use = new KeyUse { Actor = "ops", Purpose = "smime decrypt", Recipients = ["Alice@Partner.Example"] };

        await log.RecordAsync(new KeyEvent(KeyOperation.DecryptKey, "smime-escrow", null, use, KeyEventResult.Ok, Recipients: ["bob@partner.example"]), default);

        var line = Assert.Single(await File.ReadAllLinesAsync(path));
        Assert.DoesNotContain("partner.example", line, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(RecipientHash.Of("alice@partner.example"), line, StringComparison.Ordinal);
        Assert.Contains(RecipientHash.Of("bob@partner.example"), line, StringComparison.Ordinal);
        Assert.Contains("\"actor\":\"ops\"", line, StringComparison.Ordinal);
    }
}
