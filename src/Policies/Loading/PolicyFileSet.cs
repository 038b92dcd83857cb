using System.Security.Cryptography;
using System.Text;

namespace Sovereignty.Policies.Loading;

/// <summary>
/// The policy files of a directory (<c>*.yaml</c>, <c>*.yml</c>, top level only, ordinal
/// name order) and their content hash, which is the policy version. The hash is over
/// normalised text (no BOM, LF line ends) so a checkout on Windows and one on Linux give
/// the same version.
/// </summary>
internal sealed record PolicyFileSet(string Directory, IReadOnlyList<PolicyFile> Files, string Version)
{
    public static PolicyFileSet Read(string directory)
    {
        var files = System.IO.Directory.Exists(directory)
            ? System.IO.Directory.EnumerateFiles(directory)
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)
                .Select(f => new PolicyFile(Path.GetFileName(f), f, Normalise(File.ReadAllText(f, Encoding.UTF8))))
                .ToList()
            : [];
        return new PolicyFileSet(directory, files, ComputeVersion(files));
    }

    /// <summary>Only the version, for the periodic "did anything change" check.</summary>
    public static string ReadVersion(string directory) => Read(directory).Version;

    internal static string Normalise(string text) =>
        text.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    private static string ComputeVersion(IReadOnlyList<PolicyFile> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            // Name and length prefix each file so moving text between files changes the hash.
            var content = Encoding.UTF8.GetBytes(file.Text);
            hash.AppendData(Encoding.UTF8.GetBytes($"{file.Name}\0{content.Length}\0"));
            hash.AppendData(content);
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

/// <summary>One policy file: its name, the path to show in errors, and its normalised text.</summary>
internal sealed record PolicyFile(string Name, string DisplayPath, string Text);
