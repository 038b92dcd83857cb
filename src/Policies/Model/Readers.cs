namespace Sovereignty.Policies.Model;

/// <summary>Who may decrypt content carrying a label: directory groups and individual subjects.</summary>
public sealed record Readers(IReadOnlyList<string> Groups, IReadOnlyList<string> Subjects)
{
    public static Readers Nobody { get; } = new([], []);

    public bool IsEmpty => Groups.Count == 0 && Subjects.Count == 0;
}
