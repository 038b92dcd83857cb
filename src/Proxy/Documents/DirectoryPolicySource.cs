using Microsoft.Extensions.Options;
using Sovereignty.KeyService.Keys;
using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Loading;
using Sovereignty.Policies.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Loads the policy directory once, at start-up, checked against the configured key classes;
/// an invalid policy stops the host with every error listed. (The hot-reloading policy
/// provider replaces this source when it is registered.)
/// </summary>
internal sealed class DirectoryPolicySource : IPolicySource
{
    private readonly Lazy<CompiledPolicy> _policy;

    public DirectoryPolicySource(IOptions<DocumentProxyOptions> options, IKeyRing keyRing)
    {
        _policy = new Lazy<CompiledPolicy>(() =>
        {
            var classes = keyRing.Classes.Select(c => new Policies.Model.KeyClassInfo(c.Name, c.Residency)).ToList();
            return new PolicyLoader(classes, DetectorFactory.Default).LoadOrThrow(options.Value.PolicyDirectory);
        });
    }

    public CompiledPolicy? Current => _policy.Value;
}
