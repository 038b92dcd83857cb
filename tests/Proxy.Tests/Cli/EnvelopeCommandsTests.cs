using System.Diagnostics;
using Sovereignty.Testing;

namespace Sovereignty.Proxy.Tests.Cli;

/// <summary>
/// The real <c>sovereignty</c> executable run as a child process against a real SoftHSM
/// token: encrypt/decrypt on files and on standard input/output, ranges, refusals.
/// </summary>
public sealed class EnvelopeCommandsTests : IClassFixture<SoftHsmToken>, IDisposable
{
    private readonly SoftHsmToken _token;
    private readonly string _dir = Directory.CreateTempSubdirectory("sovereignty-cli-").FullName;
    private readonly string _label = "cli" + Guid.NewGuid().ToString("N")[..8];

    public EnvelopeCommandsTests(SoftHsmToken token)
    {
        _token = token;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private async Task<CliResult> RunAsync(byte[]? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sovereignty.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in SoftHsmToken.ChildProcessEnvironment)
        {
            start.Environment[name] = value;
        }

        start.Environment["SOVEREIGNTY__HSM__PROVIDERS__0__NAME"] = "softhsm";
        start.Environment["SOVEREIGNTY__HSM__PROVIDERS__0__MODULEPATH"] = _token.ModulePath;
        start.Environment["SOVEREIGNTY__HSM__PROVIDERS__0__TOKENLABEL"] = _token.TokenLabel;
        start.Environment["SOVEREIGNTY__HSM__PROVIDERS__0__PINFILE"] = _token.PinFile;
        start.Environment["SOVEREIGNTY__HSM__KEYCLASSES__0__NAME"] = "confidential-fr";
        start.Environment["SOVEREIGNTY__HSM__KEYCLASSES__0__PROVIDER"] = "softhsm";
        start.Environment["SOVEREIGNTY__HSM__KEYCLASSES__0__KEYLABEL"] = _label;
        start.Environment["SOVEREIGNTY__HSM__KEYCLASSES__0__RESIDENCY"] = "fr";
        start.Environment["SOVEREIGNTY__KEYEVENTLOG__PATH"] = PathOf("key-events.jsonl");

        using var process = Process.Start(start)!;
        var stdout = new MemoryStream();
        var copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var readErr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        await copyOut;
        string stderr = await readErr;
        await process.WaitForExitAsync();
        return new CliResult(process.ExitCode, stdout.ToArray(), stderr);
    }

    private async Task<byte[]> InitAndEncryptAsync(int size, params string[] extra)
    {
        Assert.Equal(0, (await RunAsync(null, "keys", "init")).ExitCode);
        byte[] plaintext = new byte[size];
        Random.Shared.NextBytes(plaintext);
        await File.WriteAllBytesAsync(PathOf("plain.bin"), plaintext);
        var result = await RunAsync(null, ["encrypt", "--class", "confidential-fr", .. extra, PathOf("plain.bin"), PathOf("plain.env")]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return plaintext;
    }

    [Fact]
    public async Task EncryptThenDecrypt_Files_RoundTripAndRecordKeyEvents()
    {
        byte[] plaintext = await InitAndEncryptAsync(200_000, "--context", "object=/docs/plain.bin", "--context", "label=confidential");

        var result = await RunAsync(null, "decrypt", "--context", "object=/docs/plain.bin", "--context", "label=confidential", PathOf("plain.env"), PathOf("out.bin"));

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(plaintext, await File.ReadAllBytesAsync(PathOf("out.bin")));
        Assert.NotEqual(plaintext.AsSpan(0, 100).ToArray(), (await File.ReadAllBytesAsync(PathOf("plain.env"))).AsSpan(0, 100).ToArray());
        string events = await File.ReadAllTextAsync(PathOf("key-events.jsonl"));
        Assert.Contains("WrapDataKey", events, StringComparison.Ordinal);
        Assert.Contains("UnwrapDataKey", events, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0-0", 0, 1)]
    [InlineData("65535-65536", 65535, 2)]
    [InlineData("65536-131071", 65536, 65536)]
    [InlineData("199990-", 199990, 10)]
    [InlineData("-7", 199993, 7)]
    [InlineData("100-5000000", 100, 199900)]
    public async Task Decrypt_Range_WritesExactlyThoseBytes(string range, int offset, int count)
    {
        byte[] plaintext = await InitAndEncryptAsync(200_000);

        var result = await RunAsync(null, "decrypt", "--range", range, PathOf("plain.env"), "-");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(plaintext.AsSpan(offset, count).ToArray(), result.Stdout);
    }

    [Fact]
    public async Task EncryptThenDecrypt_StdinStdout_RoundTripIncludingRange()
    {
        Assert.Equal(0, (await RunAsync(null, "keys", "init")).ExitCode);
        byte[] plaintext = new byte[150_000];
        Random.Shared.NextBytes(plaintext);

        var encrypted = await RunAsync(plaintext, "encrypt", "--class", "confidential-fr", "-", "-");
        var decrypted = await RunAsync(encrypted.Stdout, "decrypt", "-", "-");
        var ranged = await RunAsync(encrypted.Stdout, "decrypt", "--range", "70000-70009", "-", "-");

        Assert.True(encrypted.ExitCode == 0, encrypted.Stderr);
        Assert.True(decrypted.ExitCode == 0, decrypted.Stderr);
        Assert.Equal(plaintext, decrypted.Stdout);
        Assert.Equal(plaintext.AsSpan(70000, 10).ToArray(), ranged.Stdout);
    }

    [Fact]
    public async Task Decrypt_TamperedFile_FailsWithOneLineAndLeavesNoOutput()
    {
        await InitAndEncryptAsync(200_000);
        byte[] envelope = await File.ReadAllBytesAsync(PathOf("plain.env"));
        envelope[150_000] ^= 0x20;
        await File.WriteAllBytesAsync(PathOf("plain.env"), envelope);

        var result = await RunAsync(null, "decrypt", PathOf("plain.env"), PathOf("out.bin"));

        Assert.Equal(1, result.ExitCode);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("plain.env", line, StringComparison.Ordinal);
        Assert.Contains("segment 2 failed authentication", line, StringComparison.Ordinal);
        Assert.False(File.Exists(PathOf("out.bin")));
        Assert.Empty(Directory.GetFiles(_dir, "*.partial"));
    }

    [Fact]
    public async Task Decrypt_WrongExpectedContext_FailsBeforeAnyKeyUse()
    {
        await InitAndEncryptAsync(1000, "--context", "object=/a");
        int eventsBefore = (await File.ReadAllLinesAsync(PathOf("key-events.jsonl"))).Length;

        var result = await RunAsync(null, "decrypt", "--context", "object=/b", PathOf("plain.env"), PathOf("out.bin"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("encryption context", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(eventsBefore, (await File.ReadAllLinesAsync(PathOf("key-events.jsonl"))).Length);
        Assert.False(File.Exists(PathOf("out.bin")));
    }

    [Fact]
    public async Task Decrypt_AfterShred_FailsSayingTheDataIsUnrecoverable()
    {
        await InitAndEncryptAsync(1000);
        Assert.Equal(0, (await RunAsync(null, "keys", "rotate", "--class", "confidential-fr")).ExitCode);
        var shred = await RunAsync(null, "keys", "shred", "--class", "confidential-fr", "--version", "1", "--yes-destroy-data", "confidential-fr:v1");
        Assert.True(shred.ExitCode == 0, shred.Stderr);

        var result = await RunAsync(null, "decrypt", PathOf("plain.env"), PathOf("out.bin"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("shredded", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("confidential-fr:v1", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(PathOf("out.bin")));
    }

    [Theory]
    [InlineData("encrypt --class no-such-class IN OUT", "no-such-class")]
    [InlineData("decrypt PLAIN OUT", "not a Sovereignty envelope")]
    [InlineData("decrypt MISSING OUT", "does not exist")]
    [InlineData("decrypt --range 9-3 ENV OUT", "--range")]
    [InlineData("encrypt --class confidential-fr --context novalue IN OUT", "--context")]
    public async Task Commands_BadInput_FailWithAClearLine(string commandLine, string expected)
    {
        await InitAndEncryptAsync(100);
        string[] args = [.. commandLine.Split(' ').Select(a => a switch
        {
            "IN" or "PLAIN" => PathOf("plain.bin"),
            "ENV" => PathOf("plain.env"),
            "MISSING" => PathOf("missing.env"),
            "OUT" => PathOf("out.bin"),
            _ => a,
        })];

        var result = await RunAsync(null, args);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(PathOf("out.bin")));
    }

    private sealed record CliResult(int ExitCode, byte[] Stdout, string Stderr);
}
