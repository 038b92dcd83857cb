namespace Sovereignty.Policies.Model;

/// <summary>Whether decisions are acted upon or only recorded.</summary>
public enum PolicyMode
{
    /// <summary>Decisions are carried out: mail is encrypted or blocked, documents encrypted or refused.</summary>
    Enforce,

    /// <summary>Decisions are computed and logged, but content passes unchanged.</summary>
    AuditOnly,
}

/// <summary>How matching rules are combined into one label.</summary>
public enum RuleSemantics
{
    /// <summary>Every rule is evaluated; the highest label among the matching rules wins (ties: the earlier rule).</summary>
    HighestLabel,

    /// <summary>Rules are evaluated in order; the first matching rule decides.</summary>
    FirstMatch,
}

/// <summary>Where the content is going.</summary>
public enum Channel
{
    Mail,
    Document,
}

/// <summary>What the gateway does with the content.</summary>
public enum PolicyAction
{
    Pass,
    Sign,
    Encrypt,
    SignAndEncrypt,
    Block,
}

/// <summary>What to do when mail must be encrypted but a recipient has no certificate.</summary>
public enum MissingCertificateBehaviour
{
    /// <summary>Refuse the mail and name the recipients without a certificate.</summary>
    Refuse,

    /// <summary>Encrypt to the organisation's escrow certificate only (the recipient cannot read it until re-sent).</summary>
    EscrowOnly,
}
