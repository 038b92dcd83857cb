namespace Sovereignty.Policies.Model;

/// <summary>The words policy files use for enums, both ways, so output reads like the policy.</summary>
public static class PolicyNames
{
    public static string Action(PolicyAction action) => action switch
    {
        PolicyAction.Pass => "pass",
        PolicyAction.Sign => "sign",
        PolicyAction.Encrypt => "encrypt",
        PolicyAction.SignAndEncrypt => "sign-encrypt",
        _ => "block",
    };

    public static PolicyAction? ParseAction(string text) => text switch
    {
        "pass" => PolicyAction.Pass,
        "sign" => PolicyAction.Sign,
        "encrypt" => PolicyAction.Encrypt,
        "sign-encrypt" => PolicyAction.SignAndEncrypt,
        "block" => PolicyAction.Block,
        _ => null,
    };

    public static string Mode(PolicyMode mode) => mode == PolicyMode.Enforce ? "enforce" : "audit-only";

    public static string Channel(Channel channel) => channel == Model.Channel.Mail ? "mail" : "document";

    public static string MissingCertificate(MissingCertificateBehaviour behaviour) =>
        behaviour == MissingCertificateBehaviour.Refuse ? "refuse" : "escrow-only";

    public static string Semantics(RuleSemantics semantics) =>
        semantics == RuleSemantics.HighestLabel ? "highest-label" : "first-match";
}
