using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Loading;

/// <summary>
/// A minimal YAML tree that keeps the position of every node, built from the parser's
/// events so that validation can point at the exact key or value that is wrong.
/// </summary>
internal abstract record YamlValue(SourceLocation At)
{
    /// <summary>What an officer would call this kind of value, for error messages.</summary>
    public abstract string KindName { get; }
}

/// <summary>A scalar; <paramref name="Plain"/> is false when it was quoted or a block scalar.</summary>
internal sealed record YamlScalar(SourceLocation At, string Value, bool Plain) : YamlValue(At)
{
    public override string KindName => "a single value";

    /// <summary>A plain <c>~</c>, <c>null</c> or empty scalar stands for "nothing".</summary>
    public bool IsNull => Plain && Value is "" or "~" or "null" or "Null" or "NULL";
}

internal sealed record YamlList(SourceLocation At, IReadOnlyList<YamlValue> Items) : YamlValue(At)
{
    public override string KindName => "a list";
}

internal sealed record YamlMap(SourceLocation At, IReadOnlyList<KeyValuePair<YamlScalar, YamlValue>> Entries) : YamlValue(At)
{
    public override string KindName => "a mapping (key: value)";

    public YamlValue? this[string key] =>
        Entries.FirstOrDefault(e => string.Equals(e.Key.Value, key, StringComparison.Ordinal)).Value;
}
