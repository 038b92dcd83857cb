using Sovereignty.Policies.Model;
using Sovereignty.Policies.Reload;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// The policy in force, from <see cref="PolicyProvider"/>: the directory is watched, a change is
/// validated as a whole and swapped in atomically, an invalid change keeps the last good policy
/// and shows in <see cref="Status"/>. Each upload or read takes <see cref="Current"/> once and
/// decides with that one policy (and records its version).
/// </summary>
internal sealed class ReloadingPolicySource(PolicyProvider provider) : IPolicySource
{
    public CompiledPolicy? Current => provider.Current;

    /// <summary>Version in force, when it was loaded, and the errors of the last rejected change.</summary>
    public PolicyStatus Status => provider.Status;
}
