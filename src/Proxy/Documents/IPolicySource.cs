using Sovereignty.Policies.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>The policy in force now (a snapshot; a hot-reloading provider swaps it atomically).</summary>
public interface IPolicySource
{
    /// <summary>The current policy, or null when none is loaded.</summary>
    CompiledPolicy? Current { get; }
}
