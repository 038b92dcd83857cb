using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Sovereignty.KeyService.Pkcs11;

namespace Sovereignty.Testing;

/// <summary>
/// A fresh SoftHSM2 token for one test class (use it as an xunit class or collection fixture):
/// initialised with random PINs by <c>softhsm2-util --init-token --free</c>, found by its unique
/// label, deleted on <see cref="Dispose"/>. Give <see cref="ProviderOptions"/> to a
/// <see cref="Pkcs11KeyProvider"/>, or <see cref="ModulePath"/>, <see cref="TokenLabel"/>,
/// <see cref="PinFile"/> and <see cref="ChildProcessEnvironment"/> to a child process.
/// </summary>
/// <remarks>
/// SoftHSM reads <c>SOFTHSM2_CONF</c> and scans its token directory once, when the module is
/// initialised, and a module is initialised once per process. So all tokens of a test process
/// live in one private temp directory (its conf file is what <c>SOFTHSM2_CONF</c> points to, set
/// in this process's native environment), and each token gets its own copy of the SoftHSM
/// module file, loaded (and so initialised) after the token exists: to the key service each
/// fixture is a separate HSM. The temp directory is removed at process exit. Requires the
/// Debian package softhsm2 (scripts/install-deps.sh).
/// </remarks>
public sealed class SoftHsmToken : IDisposable
{
    /// <summary>The installed SoftHSM module that is copied per token (override with SOVEREIGNTY_TEST_SOFTHSM_MODULE).</summary>
    public static readonly string InstalledModulePath =
        System.Environment.GetEnvironmentVariable("SOVEREIGNTY_TEST_SOFTHSM_MODULE") ?? "/usr/lib/softhsm/libsofthsm2.so";

    private static readonly Lock SoftHsmUtilLock = new();
    private static readonly Lazy<string> SharedRoot = new(CreateSharedRoot, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly string _directory;
    private int _disposed;

    /// <summary>Creates and initialises a new token labelled <c>test-…</c> (what xunit fixtures call).</summary>
    public SoftHsmToken()
        : this("test")
    {
    }

    private SoftHsmToken(string labelPrefix)
    {
        var root = SharedRoot.Value;
        TokenLabel = $"{labelPrefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        _directory = Path.Combine(root, "per-token", TokenLabel);
        Directory.CreateDirectory(_directory);
        PinFile = Path.Combine(_directory, "user.pin");
        ModulePath = Path.Combine(_directory, "libsofthsm2.so");
        File.Copy(InstalledModulePath, ModulePath);
        var userPin = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var soPin = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        File.WriteAllText(PinFile, userPin + "\n");
        SoftHsmUtil("--init-token", "--free", "--label", TokenLabel, "--pin", userPin, "--so-pin", soPin);
    }

    /// <summary>Creates and initialises a new token (a few ms); dispose it to delete it.</summary>
    /// <param name="labelPrefix">Readable start of the token label; a random suffix makes it unique.</param>
    public static SoftHsmToken Create(string labelPrefix) => new(labelPrefix);

    /// <summary>The token's label (unique per instance).</summary>
    public string TokenLabel { get; }

    /// <summary>A file holding the user PIN (mode as created by the process umask; temp dir only).</summary>
    public string PinFile { get; }

    /// <summary>This token's own copy of the SoftHSM module (see remarks).</summary>
    public string ModulePath { get; }

    /// <summary>The SoftHSM conf file every token of this process lives under.</summary>
    public static string ConfigPath => Path.Combine(SharedRoot.Value, "softhsm2.conf");

    /// <summary>Environment variables a child process (e.g. the <c>sovereignty</c> CLI) needs to see the tokens.</summary>
    public static IReadOnlyDictionary<string, string> ChildProcessEnvironment => new Dictionary<string, string> { ["SOFTHSM2_CONF"] = ConfigPath };

    /// <summary>Provider options for this token, reading the PIN from <see cref="PinFile"/>.</summary>
    public Pkcs11ProviderOptions ProviderOptions(string name = "softhsm", int sessionPoolSize = Pkcs11ProviderOptions.DefaultSessionPoolSize) => new()
    {
        Name = name,
        ModulePath = ModulePath,
        TokenLabel = TokenLabel,
        PinFile = PinFile,
        SessionPoolSize = sessionPoolSize,
    };

    /// <summary>
    /// This token's slot in <paramref name="library"/>. Slots whose token cannot describe itself
    /// are skipped: other test classes create, delete and unplug tokens in the same directory.
    /// </summary>
    public Net.Pkcs11Interop.HighLevelAPI.ISlot FindSlot(Net.Pkcs11Interop.HighLevelAPI.IPkcs11Library library)
    {
        ArgumentNullException.ThrowIfNull(library);
        return library.GetSlotList(Net.Pkcs11Interop.Common.SlotsType.WithTokenPresent).Single(slot =>
        {
            try
            {
                return slot.GetTokenInfo().Label.TrimEnd() == TokenLabel;
            }
            catch (Net.Pkcs11Interop.Common.Pkcs11Exception)
            {
                return false;
            }
        });
    }

    /// <summary>
    /// Pulls the token out as a failed HSM would: its directory leaves SoftHSM's token directory
    /// and this token's module copy is finalised, so every session and login is gone and the
    /// token cannot be found until it is plugged back. Disposing the result plugs it back; the
    /// key service must then find it again on its own (SoftHSM lists tokens when initialised).
    /// </summary>
    public IDisposable Unplug()
    {
        var tokens = Path.Combine(SharedRoot.Value, "tokens");
        var label = System.Text.Encoding.UTF8.GetBytes(TokenLabel);
        var directory = Directory.GetDirectories(tokens).Single(d => Holds(Path.Combine(d, "token.object"), label));
        var unplugged = Path.Combine(SharedRoot.Value, "unplugged-" + Path.GetFileName(directory));
        Directory.Move(directory, unplugged);
        using (var library = new Net.Pkcs11Interop.LowLevelAPI80.Pkcs11Library(ModulePath))
        {
            // Loading the same file again yields the same module: this finalises the one in use.
            _ = library.C_Finalize(IntPtr.Zero);
        }

        return new PlugBack(() => Directory.Move(unplugged, directory));
    }

    /// <summary>Deletes the token, its PIN file and its module copy (a loaded copy stays mapped until unloaded).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            SoftHsmUtil("--delete-token", "--token", TokenLabel);
        }
        catch (InvalidOperationException)
        {
            // The whole directory goes at process exit anyway.
        }

        Directory.Delete(_directory, recursive: true);
    }

    // Other test classes create and delete their tokens in the same directory meanwhile.
    private static bool Holds(string tokenObject, byte[] label)
    {
        try
        {
            return File.ReadAllBytes(tokenObject).AsSpan().IndexOf(label) >= 0;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string CreateSharedRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), $"sovereignty-softhsm-{System.Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        Directory.CreateDirectory(Path.Combine(root, "tokens"));
        File.WriteAllText(Path.Combine(root, "softhsm2.conf"),
            $"directories.tokendir = {Path.Combine(root, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
        // SoftHSM reads SOFTHSM2_CONF with getenv(): .NET's SetEnvironmentVariable does not reach
        // the native environment on Unix, so set it in both.
        var conf = Path.Combine(root, "softhsm2.conf");
        System.Environment.SetEnvironmentVariable("SOFTHSM2_CONF", conf);
        if (NativeMethods.SetEnv("SOFTHSM2_CONF", conf, 1) != 0)
        {
            throw new InvalidOperationException("setenv(SOFTHSM2_CONF) failed.");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort at exit; the directory is in the temp dir.
            }
        };
        return root;
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int SetEnv(string name, string value, int overwrite);
    }

    private static void SoftHsmUtil(params string[] arguments)
    {
        // Every token of this process shares one token directory, and softhsm2-util scans it
        // to find a free slot: two runs at once (parallel test classes) race and one fails
        // with "Could not get info about the token". One at a time.
        lock (SoftHsmUtilLock)
        {
            RunSoftHsmUtil(arguments);
        }
    }

    private static void RunSoftHsmUtil(string[] arguments)
    {
        var start = new ProcessStartInfo("softhsm2-util") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["SOFTHSM2_CONF"] = ConfigPath;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("softhsm2-util did not start; install softhsm2 (scripts/install-deps.sh).");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            // Arguments contain PINs: report only the verb.
            throw new InvalidOperationException($"softhsm2-util {arguments[0]} failed ({process.ExitCode}): {stderr.Trim()} {stdout.Result.Trim()}");
        }
    }

    private sealed class PlugBack(Action plugBack) : IDisposable
    {
        private Action? _plugBack = plugBack;

        public void Dispose() => Interlocked.Exchange(ref _plugBack, null)?.Invoke();
    }
}
