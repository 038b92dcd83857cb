namespace Sovereignty.Policies.Model;

/// <summary>What happens to mail carrying a label.</summary>
/// <remarks>
/// <para><c>MissingCertificate</c>: When encrypting and a recipient has no certificate.</para>
/// <para><c>PlaceholderSubject</c>: The neutral subject the provider sees on encrypted mail.</para>
/// <para><c>Reason</c>: For <see cref="PolicyAction.Block"/>: the sentence the sender reads.</para>
/// </remarks>
public sealed record MailActionDefinition(
    string Label,
    PolicyAction Action,
    MissingCertificateBehaviour MissingCertificate,
    string? PlaceholderSubject,
    string? Reason,
    SourceLocation At);

/// <summary>What happens to a document carrying a label, and which stores may hold it.</summary>
public sealed record DocumentActionDefinition(
    string Label,
    PolicyAction Action,
    IReadOnlyList<string> Stores,
    string? Reason,
    SourceLocation At);
