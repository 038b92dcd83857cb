namespace Sovereignty.Policies.Model;

/// <summary>
/// Maps labels and markings set by users (MSIP label GUIDs or names, <c>Sensitivity:</c>
/// values, subject tags, French markings) to a policy label.
/// </summary>
/// <remarks>
/// <para><c>Source</c>: The user label source to match (<c>msip</c>, <c>sensitivity-header</c>, <c>office-metadata</c>, <c>subject-tag</c>, <c>marking</c>), or null for any source.</para>
/// <para><c>Values</c>: Values compared without regard to case or accents.</para>
/// </remarks>
public sealed record UserLabelMapping(string? Source, IReadOnlyList<string> Values, string Label, SourceLocation At);
