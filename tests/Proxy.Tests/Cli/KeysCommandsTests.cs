using System.CommandLine;
using Sovereignty.Proxy.Cli;
using Sovereignty.Testing;

namespace Sovereignty.Proxy.Tests.Cli;

/// <summary>The keys CLI end to end: the built program, a real SoftHSM token, exit codes and output.</summary>
public sealed class KeysCommandsTests : IClassFixture<SoftHsmToken>
{
    private readonly SoftHsmToken _token;

    public KeysCommandsTests(SoftHsmToken token)
    {
        _token = token;
    }

    [Fact]
    public async Task KeysLifecycle_InitListRotateShred_ExitCodesOutputAndEvents()
    {
        using var cli = new SovereigntyProcess(_token, _token.PinFile);

        var init = await cli.RunAsync("keys", "init");
        var again = await cli.RunAsync("keys", "init");
        var rotate = await cli.RunAsync("keys", "rotate", "--class", "internal-eu");
        var shred = await cli.RunAsync("keys", "shred", "--class", "internal-eu", "--version", "1", "--yes-destroy-data", "internal-eu:v1");
        var list = await cli.RunAsync("keys", "list");

        Assert.Equal((0, ""), (init.ExitCode, init.Error));
        Assert.Matches(@"^created confidential-fr v1 \([0-9a-f]{32}\)$", init.Output.Split('\n')[0]);
        Assert.StartsWith("created internal-eu v1", init.Output.Split('\n')[1], StringComparison.Ordinal);
        Assert.Equal(0, again.ExitCode);
        Assert.StartsWith("exists  confidential-fr v1", again.Output, StringComparison.Ordinal);
        Assert.Equal(0, rotate.ExitCode);
        Assert.StartsWith("rotated internal-eu: v2 (", rotate.Output, StringComparison.Ordinal);
        Assert.Equal(0, shred.ExitCode);
        Assert.StartsWith("shredded internal-eu:v1: 1 key destroyed", shred.Output, StringComparison.Ordinal);
        Assert.Equal(0, list.ExitCode);
        var rows = list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^CLASS\s+KIND\s+PROVIDER\s+RESIDENCY\s+PRIMARY\s+VERSIONS$", rows[0]);
        Assert.Matches(@"^confidential-fr\s+aes-kek\s+hsm-test\s+fr\s+v1\s+v1$", rows[1]);
        Assert.Matches(@"^internal-eu\s+aes-kek\s+hsm-test\s+eu\s+v2\s+v1\(shredded\) v2$", rows[2]);
        Assert.Equal(["CreateKey", "CreateKey", "RotateKey", "ShredKey"], cli.Events().Select(e => e.GetProperty("operation").GetString()));
    }

    [Fact]
    public async Task Shred_NonInteractiveWithoutConfirmation_RefusesAndDestroysNothing()
    {
        using var cli = new SovereigntyProcess(_token, _token.PinFile);
        await cli.RunAsync("keys", "init");

        var refused = await cli.RunAsync("keys", "shred", "--class", "confidential-fr", "--version", "1");
        var mismatch = await cli.RunAsync("keys", "shred", "--class", "confidential-fr", "--version", "1", "--yes-destroy-data", "internal-eu:v1");
        var list = await cli.RunAsync("keys", "list");

        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("sovereignty keys shred: refusing to destroy confidential-fr:v1 without confirmation; pass --yes-destroy-data confidential-fr:v1\n", refused.Error);
        Assert.Equal(2, mismatch.ExitCode);
        Assert.Contains("does not match confidential-fr:v1; nothing was destroyed", mismatch.Error, StringComparison.Ordinal);
        Assert.Matches(@"confidential-fr\s+aes-kek\s+hsm-test\s+fr\s+v1\s+v1\n", list.Output);
        Assert.DoesNotContain(cli.Events(), e => e.GetProperty("operation").GetString() == "ShredKey");
    }

    [Fact]
    public async Task Rotate_UnknownClass_ExitsOneWithOneLineNamingClass()
    {
        using var cli = new SovereigntyProcess(_token, _token.PinFile);

        var result = await cli.RunAsync("keys", "rotate", "--class", "top-secret");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Equal("sovereignty keys rotate: Key class 'top-secret' is not configured (Sovereignty:Hsm:KeyClasses); configured: confidential-fr, internal-eu.\n", result.Error);
    }

    [Fact]
    public async Task List_WrongPin_ExitsOneWithoutPinOrStackTrace()
    {
        var wrongPinFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(wrongPinFile, "not-the-pin-4711");
        try
        {
            using var cli = new SovereigntyProcess(_token, wrongPinFile);

            var result = await cli.RunAsync("keys", "list");

            Assert.Equal(1, result.ExitCode);
            Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("refused the user PIN (C_Login: CKR_PIN_INCORRECT)", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("not-the-pin-4711", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain(" at ", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(wrongPinFile);
        }
    }

    [Fact]
    public async Task Init_ModuleMissing_ExitsOneWithConfigurationError()
    {
        using var cli = new SovereigntyProcess(_token, _token.PinFile);

        var result = await cli.RunAsync("keys", "init", "--config", cli.WriteFile("broken.json", """{"Sovereignty":{"Hsm":{"Providers":[{"Name":"hsm-test","ModulePath":"/opt/none/libp11.so"}]}}}"""));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("sovereignty keys init: invalid configuration:", result.Error, StringComparison.Ordinal);
        Assert.Contains("PKCS#11 module '/opt/none/libp11.so' does not exist", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task List_ConfigFileMissing_ExitsOne()
    {
        using var cli = new SovereigntyProcess(_token, _token.PinFile);

        var result = await cli.RunAsync("keys", "list", "--config", "/nonexistent/settings.json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("'/nonexistent/settings.json' (--config) does not exist", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shred_InteractiveConfirmationTyped_DestroysAndCountsKeys()
    {
        using var cli = new SovereigntyProcess(_token, _token.PinFile);
        await cli.RunAsync("keys", "init");
        var root = new RootCommand { KeysCommands.Create(new CliConsole(new StringReader("confidential-fr:v1\n"), IsInteractive: true)) };
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await root.Parse(["keys", "shred", "--class", "confidential-fr", "--version", "1", "--config", cli.ConfigPath])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });

        Assert.True(exit == 0, error.ToString());
        Assert.Contains("Type confidential-fr:v1 to confirm:", error.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("shredded confidential-fr:v1: 1 key destroyed", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shred_InteractiveWrongAnswer_RefusesWithExitTwo()
    {
        using var cli = new SovereigntyProcess(_token, _token.PinFile);
        var root = new RootCommand { KeysCommands.Create(new CliConsole(new StringReader("yes\n"), IsInteractive: true)) };
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await root.Parse(["keys", "shred", "--class", "confidential-fr", "--version", "1", "--config", cli.ConfigPath])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(2, exit);
        Assert.Contains("confirmation 'yes' does not match confidential-fr:v1", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(cli.Events());
    }
}
