namespace Sovereignty.Policies.Model;

/// <summary>Where something was written in a policy file (1-based line and column).</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}
