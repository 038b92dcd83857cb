namespace Sovereignty.Policies.Model;

/// <summary>The organisation's identity as the policy states it.</summary>
/// <remarks>
/// <para><c>InternalDomains</c>: Mail domains that count as internal; each also covers its subdomains.</para>
/// <para><c>EscrowIdentity</c>: Reference to the escrow certificate every encrypted mail is also encrypted to.</para>
/// <para><c>SigningIdentity</c>: Reference to the identity signing outgoing mail.</para>
/// <para><c>BlockedMailContact</c>: Whom a sender of blocked mail should contact.</para>
/// <para><c>PlaceholderSubject</c>: Default neutral subject for encrypted mail.</para>
/// </remarks>
public sealed record OrganisationSettings(
    string Name,
    IReadOnlyList<string> InternalDomains,
    string EscrowIdentity,
    string? SigningIdentity,
    string BlockedMailContact,
    string PlaceholderSubject);
