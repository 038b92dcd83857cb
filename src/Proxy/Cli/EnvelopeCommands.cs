using System.CommandLine;
using System.Globalization;
using Sovereignty.KeyService;
using Sovereignty.KeyService.DataKeys;
using Sovereignty.KeyService.Envelope;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.Proxy.Cli;

/// <summary>
/// <c>sovereignty encrypt --class C [--context k=v …] IN OUT</c> and
/// <c>sovereignty decrypt [--range a-b] [--context k=v …] IN OUT</c>: envelope format v1
/// (docs/envelope-format.md) on files, or standard input/output with <c>-</c>.
/// </summary>
/// <remarks>
/// Exit codes: 0 done; 1 error (arguments, files); 3 the input is not a valid envelope or
/// was modified (nothing unauthenticated was written); 4 the HSM or the audit log is
/// unavailable (retry later); 5 the key is unknown or was shredded. Errors are one line on
/// standard error. A file OUT is written under a temporary name and renamed only on
/// success, so a failed decrypt never leaves plaintext behind. On standard output, the
/// plaintext of the segments authenticated before a failure has already been written; the
/// exit code says the output is incomplete. A progress bar is drawn on standard error for
/// inputs of 16 MiB or more when standard error is a terminal.
/// </remarks>
internal static partial class EnvelopeCommands
{
    public const int ExitOk = 0;
    public const int ExitError = 1;
    public const int ExitInvalidData = 3;
    public const int ExitUnavailable = 4;
    public const int ExitKey = 5;

    /// <summary>Builds the key service for one command and disposes it afterwards.</summary>
    internal delegate Task<DocumentCipherLease> OpenDocumentCipher(CancellationToken cancellationToken);

    public static IEnumerable<Command> Create(OpenDocumentCipher openCipher)
    {
        yield return CreateEncrypt(openCipher);
        yield return CreateDecrypt(openCipher);
    }

    private static Command CreateEncrypt(OpenDocumentCipher openCipher)
    {
        var keyClass = new Option<string>("--class") { Description = "Key class whose primary KEK wraps the data key (see `sovereignty keys list`).", Required = true };
        var context = ContextOption("Encryption context entry key=value (repeatable, order kept): authenticated, stored in clear.");
        var input = new Argument<string>("IN") { Description = "Plaintext file, or - for standard input." };
        var output = new Argument<string>("OUT") { Description = "Envelope file to write, or - for standard output." };
        var command = new Command("encrypt", "Encrypt a file into a Sovereignty envelope under a key class.") { keyClass, context, input, output };
        command.SetAction((parse, cancellationToken) => RunAsync("encrypt", parse.GetRequiredValue(input), parse.GetRequiredValue(output), async (files, ct) =>
        {
            var encryptionContext = EncryptionContext.Parse(parse.GetValue(context) ?? []);
            await using var lease = await openCipher(ct);
            var use = Use("encrypt", files.InputName);
            var header = await lease.Cipher.EncryptAsync(files.Input, files.Output, parse.GetRequiredValue(keyClass), encryptionContext, use, ct);
            files.Commit();
            await Console.Error.WriteLineAsync($"sovereignty encrypt: {files.InputName} → {files.OutputName} under {header.Key}");
        }, cancellationToken));
        return command;
    }

    private static Command CreateDecrypt(OpenDocumentCipher openCipher)
    {
        var range = new Option<string?>("--range") { Description = "Plaintext bytes a-b (inclusive, from 0; a- means to the end, -n the last n), as in HTTP Range." };
        var context = ContextOption("Expected encryption context entry key=value (repeatable): refuse an envelope whose context differs.");
        var input = new Argument<string>("IN") { Description = "Envelope file, or - for standard input." };
        var output = new Argument<string>("OUT") { Description = "Plaintext file to write, or - for standard output." };
        var command = new Command("decrypt", "Decrypt a Sovereignty envelope (all of it, or a byte range).") { range, context, input, output };
        command.SetAction((parse, cancellationToken) => RunAsync("decrypt", parse.GetRequiredValue(input), parse.GetRequiredValue(output), async (files, ct) =>
        {
            var items = parse.GetValue(context) ?? [];
            var expected = items.Length == 0 ? null : EncryptionContext.Parse(items);
            string? rangeText = parse.GetValue(range);
            await using var lease = await openCipher(ct);
            var use = Use("decrypt", files.InputName);
            if (rangeText is null)
            {
                await lease.Cipher.DecryptAsync(files.Input, files.Output, use, expected, ct);
            }
            else if (files.InputPath is string path)
            {
                var source = new FileCiphertextSource(path);
                var (_, plaintextLength) = await DocumentCipher.ReadHeaderAsync(source, ct);
                var (offset, count) = ParseRange(rangeText, plaintextLength);
                var opened = await lease.Cipher.OpenRangeAsync(source, offset, count, use, expected, ct);
                await using (opened.Content)
                {
                    await KeyService.Envelope.Envelope.CopyAsync(opened.Content, files.Output, ct);
                }
            }
            else
            {
                // Standard input cannot seek: decrypt in order and keep only the range.
                var opened = await lease.Cipher.OpenDecryptingStreamAsync(files.Input, use, expected, ct, leaveOpen: true);
                await using (opened.Content)
                {
                    var (offset, count) = ParseRange(rangeText, plaintextLength: null);
                    await CopyRangeAsync(opened.Content, files.Output, offset, count, ct);
                }
            }

            files.Commit();
        }, cancellationToken));
        return command;
    }

    private static Option<string[]> ContextOption(string description) => new("--context")
    {
        Description = description,
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static KeyUse Use(string verb, string objectName) => KeyUse.Cli(verb) with { ObjectId = objectName };

    /// <summary>Runs one verb: opens the files, maps every failure to one line and an exit code, removes a partial output.</summary>
    private static async Task<int> RunAsync(string verb, string input, string output, Func<CliFiles, CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        CliFiles? files = null;
        try
        {
            files = CliFiles.Open(input, output);
            await body(files, cancellationToken);
            return ExitOk;
        }
        catch (KeyServiceException e)
        {
            await Console.Error.WriteLineAsync($"sovereignty {verb}: {files?.InputName ?? input}: {e.Message}{Advice(e.Kind)}");
            return e.Kind switch
            {
                KeyErrorKind.InvalidData => ExitInvalidData,
                KeyErrorKind.Unavailable => ExitUnavailable,
                KeyErrorKind.KeyNotFound or KeyErrorKind.KeyDestroyed => ExitKey,
                _ => ExitError,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync($"sovereignty {verb}: {e.Message}");
            return ExitError;
        }
        finally
        {
            if (files is not null)
            {
                await files.DisposeAsync();
            }
        }
    }

    private static string Advice(KeyErrorKind kind) => kind switch
    {
        KeyErrorKind.Unavailable => " Retry when the HSM and the audit log are reachable.",
        KeyErrorKind.KeyNotFound => " Check the key class (`sovereignty keys list`) and the HSM configuration.",
        KeyErrorKind.KeyDestroyed => " The key version was shredded: this data cannot be recovered.",
        KeyErrorKind.AccessDenied => " Check the HSM PIN source in the configuration.",
        KeyErrorKind.Configuration => " Fix the Sovereignty:Hsm configuration (module path, token label, PIN source).",
        _ => "",
    };

    /// <summary>Parses <c>a-b</c>, <c>a-</c> or <c>-n</c> (HTTP byte-range syntax) into offset and count.</summary>
    internal static (long Offset, long Count) ParseRange(string text, long? plaintextLength)
    {
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            throw new FormatException($"--range '{text}' is not of the form a-b, a- or -n.");
        }

        string first = text[..dash];
        string last = text[(dash + 1)..];
        long offset;
        long end;
        if (first.Length == 0)
        {
            long suffix = ParseNumber(last, text);
            long length = plaintextLength ?? throw new FormatException("--range -n needs a seekable input file, not standard input.");
            offset = Math.Max(0, length - suffix);
            end = length - 1;
        }
        else
        {
            offset = ParseNumber(first, text);
            end = last.Length == 0 ? (plaintextLength ?? long.MaxValue) - 1 : ParseNumber(last, text);
            if (plaintextLength is long length)
            {
                end = Math.Min(end, length - 1);
            }
        }

        if (end < offset || (plaintextLength is long total && offset >= total))
        {
            throw new FormatException($"--range '{text}' is outside the plaintext ({plaintextLength?.ToString(CultureInfo.InvariantCulture) ?? "unknown"} bytes).");
        }

        return (offset, end - offset + 1);
    }

    private static long ParseNumber(string value, string text) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : throw new FormatException($"--range '{text}' is not of the form a-b, a- or -n.");

    private static async Task CopyRangeAsync(Stream source, Stream destination, long offset, long count, CancellationToken cancellationToken)
    {
        var buffer = new byte[EnvelopeLayout.SegmentSize];
        long position = 0;
        long end = count == long.MaxValue ? long.MaxValue : offset + count;
        int read;
        while (position < end && (read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            long from = Math.Max(position, offset);
            long to = Math.Min(position + read, end);
            if (to > from)
            {
                await destination.WriteAsync(buffer.AsMemory((int)(from - position), (int)(to - from)), cancellationToken);
            }

            position += read;
        }

        if (position < offset || (count != long.MaxValue && position < end))
        {
            throw new FormatException($"--range starts or ends beyond the plaintext ({position} bytes).");
        }
    }
}

/// <summary>The key service behind one CLI command, released when the command ends.</summary>
internal sealed class DocumentCipherLease(DocumentCipher cipher, IAsyncDisposable? lifetime) : IAsyncDisposable
{
    public DocumentCipher Cipher { get; } = cipher;

    public ValueTask DisposeAsync() => lifetime?.DisposeAsync() ?? ValueTask.CompletedTask;
}
