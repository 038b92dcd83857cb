using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Model;
using Sovereignty.Policies.Validation;

namespace Sovereignty.Policies.Loading;

/// <summary>
/// Loads a policy directory: every <c>*.yaml</c>/<c>*.yml</c> file at its top level is
/// read (in ordinal file-name order, which is also the order rules from several files are
/// evaluated in), merged, validated as a whole and compiled.
/// </summary>
public sealed class PolicyLoader
{
    private readonly IReadOnlyCollection<KeyClassInfo>? _keyClasses;
    private readonly IDetectorFactory _detectorFactory;

    /// <param name="keyClasses">The key classes the deployment provides; null skips the key-class checks (the CLI says so).</param>
    /// <param name="detectorFactory">Builds the declared detectors.</param>
    public PolicyLoader(IReadOnlyCollection<KeyClassInfo>? keyClasses, IDetectorFactory detectorFactory)
    {
        _keyClasses = keyClasses;
        _detectorFactory = detectorFactory;
    }

    public PolicyLoadResult Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var fileSet = PolicyFileSet.Read(directory);
        return Load(fileSet);
    }

    /// <summary>Loads, or throws <see cref="PolicyValidationException"/> with every error.</summary>
    public CompiledPolicy LoadOrThrow(string directory)
    {
        var result = Load(directory);
        return result.Succeeded ? result.Policy! : throw new PolicyValidationException(result.Errors);
    }

    internal PolicyLoadResult Load(PolicyFileSet fileSet)
    {
        var errors = new ErrorSink();
        if (fileSet.Files.Count == 0)
        {
            errors.Add(new SourceLocation(fileSet.Directory, 1, 1), Directory.Exists(fileSet.Directory)
                ? "no policy files (*.yaml, *.yml) in this directory"
                : "policy directory not found");
            return new PolicyLoadResult(null, errors.ToSortedList(), fileSet.Version);
        }

        var draft = new PolicyDraft();
        var reader = new PolicyFileReader(draft, errors);
        foreach (var file in fileSet.Files)
        {
            reader.Read(YamlTreeReader.Read(file.DisplayPath, file.Text, errors));
        }

        var compiler = new PolicyCompiler(draft, errors, _keyClasses, _detectorFactory, new SourceLocation(fileSet.Files[0].DisplayPath, 1, 1));
        var policy = compiler.Compile(fileSet.Version, [.. fileSet.Files.Select(f => f.Name)]);
        var list = errors.ToSortedList();
        return new PolicyLoadResult(list.Count == 0 ? policy : null, list, fileSet.Version);
    }
}
