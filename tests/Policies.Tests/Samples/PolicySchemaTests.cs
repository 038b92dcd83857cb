using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Sovereignty.Policies.Loading;
using Sovereignty.Policies.Validation;

namespace Sovereignty.Policies.Tests.Samples;

/// <summary>The shipped JSON Schema (docs/policy-schema.json) accepts the sample policy and rejects mistakes.</summary>
public sealed class PolicySchemaTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromText(
        File.ReadAllText(Path.Combine(SamplePolicyTests.RepositoryRoot(), "docs", "policy-schema.json")));

    public static TheoryData<string> SampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(SamplePolicyTests.PolicyDirectory, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void Evaluate_SamplePolicyFile_IsValidAgainstSchema(string fileName)
    {
        var json = YamlToJson(File.ReadAllText(Path.Combine(SamplePolicyTests.PolicyDirectory, fileName)));

        var result = Schema.Evaluate(json, new EvaluationOptions { OutputFormat = OutputFormat.List });

        Assert.True(result.IsValid, string.Join("\n", Problems(result)));
    }

    [Theory]
    [InlineData("rules:\n  - name: a\n    when: { detector: x }\n    lable: b\n")]
    [InlineData("rules:\n  - name: a\n    when: { detector: x, min-count: 0 }\n    label: b\n")]
    [InlineData("actions:\n  mail:\n    secret: { action: block }\n")]
    [InlineData("actions:\n  document:\n    x: { action: encrypt }\n")]
    [InlineData("detectors:\n  - name: a\n    type: fr-nirr\n")]
    [InlineData("policy:\n  mode: sometimes\n  default-label: a\n")]
    public void Evaluate_FileWithMistake_IsRejectedBySchema(string yaml)
    {
        var result = Schema.Evaluate(YamlToJson(yaml), new EvaluationOptions { OutputFormat = OutputFormat.List });

        Assert.False(result.IsValid);
    }

    /// <summary>YAML → JSON as an editor's YAML language server sees it: plain scalars typed, quoted ones strings.</summary>
    private static JsonElement YamlToJson(string yaml)
    {
        var errors = new ErrorSink();
        var root = YamlTreeReader.Read("file.yaml", yaml, errors);
        Assert.Equal(0, errors.Count);
        var node = Convert(root!);
        return JsonDocument.Parse(node?.ToJsonString() ?? "null").RootElement.Clone();
    }

    private static JsonNode? Convert(YamlValue value) => value switch
    {
        YamlMap map => new JsonObject(map.Entries.Select(e => KeyValuePair.Create(e.Key.Value, Convert(e.Value)))),
        YamlList list => new JsonArray([.. list.Items.Select(Convert)]),
        YamlScalar { IsNull: true } => null,
        YamlScalar { Plain: true, Value: "true" } => JsonValue.Create(true),
        YamlScalar { Plain: true, Value: "false" } => JsonValue.Create(false),
        YamlScalar { Plain: true } s when long.TryParse(s.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => JsonValue.Create(i),
        YamlScalar { Plain: true } s when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
        YamlScalar s => JsonValue.Create(s.Value),
        _ => throw new InvalidOperationException(),
    };

    private static IEnumerable<string> Problems(EvaluationResults result) =>
        (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key} {e.Value}"));
}
