namespace Sovereignty.Policies.Model;

/// <summary>
/// A key class the deployment provides, as the caller passes it to the policy loader: the
/// policy only names classes, and validation checks each named class exists and has the
/// residency the label requires. Policies never talk to the key service itself.
/// </summary>
/// <param name="Name">The class name, e.g. <c>confidentiel-fr</c>.</param>
/// <param name="Residency">Where its keys live, e.g. <c>FR</c> or <c>EU</c>; empty when unknown.</param>
public sealed record KeyClassInfo(string Name, string Residency);
