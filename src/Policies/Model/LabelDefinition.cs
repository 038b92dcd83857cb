namespace Sovereignty.Policies.Model;

/// <summary>One sensitivity label; <see cref="Rank"/> orders labels (0 = least sensitive).</summary>
/// <remarks>
/// <para><c>KeyClass</c>: The key class that protects content with this label; null when it is never encrypted.</para>
/// <para><c>Residency</c>: The residency the key class and document stores must have (e.g. <c>FR</c>); null for any.</para>
/// </remarks>
public sealed record LabelDefinition(
    string Name,
    int Rank,
    string? Description,
    string? KeyClass,
    string? Residency,
    Readers Readers,
    SourceLocation At);
