using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Validation;

/// <summary>Collects errors while a policy is read and checked, so all are reported at once.</summary>
internal sealed class ErrorSink
{
    private readonly List<PolicyError> _errors = [];

    public int Count => _errors.Count;

    public void Add(SourceLocation at, string message) =>
        _errors.Add(new PolicyError(at.File, at.Line, at.Column, message));

    /// <summary>Errors sorted by file, line and column; duplicates (same place, same text) removed.</summary>
    public IReadOnlyList<PolicyError> ToSortedList() =>
        _errors
            .Distinct()
            .OrderBy(e => e.File, StringComparer.Ordinal)
            .ThenBy(e => e.Line)
            .ThenBy(e => e.Column)
            .ToArray();
}
