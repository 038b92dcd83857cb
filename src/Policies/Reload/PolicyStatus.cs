using Sovereignty.Policies.Validation;

namespace Sovereignty.Policies.Reload;

/// <summary>
/// What an operator or the admin API shows about the live policy: which version is in
/// force since when, and why the last change was rejected, if it was.
/// </summary>
/// <remarks>
/// <para><c>LastErrors</c>: errors of the last rejected change; empty when the last attempt succeeded.</para>
/// <para><c>RejectedVersion</c>: content hash of the rejected file set.</para>
/// </remarks>
public sealed record PolicyStatus(
    string Directory,
    string Version,
    string Name,
    DateTimeOffset LoadedAt,
    DateTimeOffset LastCheckedAt,
    string? RejectedVersion,
    DateTimeOffset? RejectedAt,
    IReadOnlyList<PolicyError> LastErrors)
{
    public bool LastChangeRejected => LastErrors.Count > 0;
}
