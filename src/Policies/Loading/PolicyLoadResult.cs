using Sovereignty.Policies.Model;
using Sovereignty.Policies.Validation;

namespace Sovereignty.Policies.Loading;

/// <summary>The outcome of loading a policy directory: a policy, or every error found.</summary>
/// <remarks>
/// <para><c>Version</c>: The content hash of the files read, even when they are invalid.</para>
/// </remarks>
public sealed record PolicyLoadResult(CompiledPolicy? Policy, IReadOnlyList<PolicyError> Errors, string Version)
{
    public bool Succeeded => Policy is not null && Errors.Count == 0;
}
