using Sovereignty.Policies.Loading;
using Sovereignty.Policies.Model;
using Sovereignty.Policies.Validation;

namespace Sovereignty.Policies.Testing;

/// <summary>
/// Reads a policy test file (e.g. <c>policies/tests/*.yaml</c>): a <c>tests</c> list of
/// samples and the decision each should get. Mistakes are reported like policy errors,
/// as <c>file:line:col: message</c>.
/// </summary>
/// <example>
/// <code>
/// tests:
///   - name: NIR to a partner is encrypted
///     sample: ../samples/nir-partenaire.eml
///     expect: { label: confidentiel, action: sign-encrypt }
/// </code>
/// </example>
public static class PolicyTestFileReader
{
    public static (IReadOnlyList<PolicyTestCase> Cases, IReadOnlyList<PolicyError> Errors) Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var errors = new ErrorSink();
        var cases = new List<PolicyTestCase>();
        if (!File.Exists(path))
        {
            errors.Add(new SourceLocation(path, 1, 1), "test file not found");
            return (cases, errors.ToSortedList());
        }

        var root = YamlTreeReader.Read(path, PolicyFileSet.Normalise(File.ReadAllText(path)), errors);
        var file = MapReader.Open(root, "a test file", errors, "tests");
        if (file?.Raw("tests") is not YamlList list)
        {
            if (root is not null)
            {
                errors.Add(root.At, "a test file needs a 'tests' list");
            }

            return (cases, errors.ToSortedList());
        }

        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        foreach (var item in list.Items)
        {
            if (ReadCase(item, baseDirectory, errors) is { } testCase)
            {
                cases.Add(testCase);
            }
        }

        return (cases, errors.ToSortedList());
    }

    private static PolicyTestCase? ReadCase(YamlValue item, string baseDirectory, ErrorSink errors)
    {
        var map = MapReader.Open(item, "a test", errors, "name", "sample", "channel", "path", "sender", "recipients", "expect");
        if (map is null)
        {
            return null;
        }

        var sample = map.String("sample", required: true);
        var name = map.String("name") ?? sample ?? "(unnamed)";
        Channel? channel = map.OneOf("channel", "mail", "document") is { } c ? (Channel)c : null;
        var recipients = map.Has("recipients") ? map.StringList("recipients").Select(r => r.Value).ToList() : null;
        var overrides = new SampleOverrides(channel, map.String("path"), map.String("sender"), recipients);
        var expect = MapReader.Open(map.Raw("expect"), "'expect'", errors, "label", "action", "rule", "key-class", "mode", "applied-action");
        if (expect is null)
        {
            if (!map.Has("expect"))
            {
                errors.Add(map.At, "missing required key 'expect' (label, action, rule, key-class, mode, applied-action)");
            }

            return null;
        }

        var action = ReadAction(expect, "action", errors);
        var appliedAction = ReadAction(expect, "applied-action", errors);
        PolicyMode? mode = expect.OneOf("mode", "enforce", "audit-only") is { } m ? (PolicyMode)m : null;
        if (sample is null)
        {
            return null;
        }

        var samplePath = Path.GetFullPath(Path.Combine(baseDirectory, sample));
        if (!File.Exists(samplePath))
        {
            errors.Add(map.Raw("sample")!.At, $"sample file not found: {samplePath}");
            return null;
        }

        return new PolicyTestCase(
            name, samplePath, map.At, overrides,
            expect.String("label"), action, expect.String("rule"), expect.String("key-class"), mode, appliedAction);
    }

    private static PolicyAction? ReadAction(MapReader expect, string key, ErrorSink errors)
    {
        var text = expect.String(key);
        if (text is null)
        {
            return null;
        }

        var action = PolicyNames.ParseAction(text);
        if (action is null)
        {
            errors.Add(expect.Raw(key)!.At, $"'{key}' must be one of pass, sign, encrypt, sign-encrypt, block, not '{text}'");
        }

        return action;
    }
}
