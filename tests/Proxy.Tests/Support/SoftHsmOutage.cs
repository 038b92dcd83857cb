using Sovereignty.Testing;

namespace Sovereignty.Proxy.Tests.Support;

/// <summary>
/// Takes a SoftHSM token away as a failed or unplugged HSM would be: its directory is moved out
/// of SoftHSM's token directory, so the token's objects and login are gone for the module.
/// Disposing puts it back.
/// </summary>
internal sealed class SoftHsmOutage : IDisposable
{
    private readonly string _tokenDirectory;
    private readonly string _parkedDirectory;

    private SoftHsmOutage(string tokenDirectory, string parkedDirectory)
    {
        _tokenDirectory = tokenDirectory;
        _parkedDirectory = parkedDirectory;
    }

    public static SoftHsmOutage Begin(SoftHsmToken token)
    {
        string tokens = File.ReadAllLines(SoftHsmToken.ConfigPath)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2 && parts[0].Trim() == "directories.tokendir")
            .Select(parts => parts[1].Trim())
            .Single();
        byte[] label = System.Text.Encoding.UTF8.GetBytes(token.TokenLabel);
        // SoftHSM names token directories by UUID; the label is stored in token.object.
        string directory = Directory.GetDirectories(tokens)
            .Single(d => File.Exists(Path.Combine(d, "token.object")) &&
                File.ReadAllBytes(Path.Combine(d, "token.object")).AsSpan().IndexOf(label) >= 0);
        string parked = Path.Combine(Path.GetDirectoryName(tokens)!, "parked-" + Path.GetFileName(directory));
        Directory.Move(directory, parked);
        return new SoftHsmOutage(directory, parked);
    }

    public void Dispose() => Directory.Move(_parkedDirectory, _tokenDirectory);
}
