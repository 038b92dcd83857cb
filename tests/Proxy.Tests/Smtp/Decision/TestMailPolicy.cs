namespace Sovereignty.Proxy.Tests.Smtp.Decision;

/// <summary>
/// A small policy written at test time: the recipient's domain selects the mail action, a
/// <c>[BLOCK]</c> subject tag blocks. Highest-label semantics, so the most protective action
/// among the recipients' domains wins.
/// </summary>
internal static class TestMailPolicy
{
    public const string PassDomain = "pass.example";
    public const string SignDomain = "sign.example";
    public const string EncryptDomain = "encrypt.example";
    public const string EscrowOnlyDomain = "escrow.example";
    public const string SignEncryptDomain = "both.example";
    public const string BlockRule = "blocage-par-etiquette";
    public const string Contact = "rssi@org.example";
    public const string Placeholder = "Message protégé — test";

    public static string Yaml(string mode = "enforce") => $$"""
        policy:
          name: Relay decision test policy
          mode: {{mode}}
          evaluation: highest-label
          default-label: public
        organisation:
          name: Test Org
          internal-domains: [org.example]
          escrow-identity: escrow
          signing-identity: signing
          blocked-mail-contact: {{Contact}}
          placeholder-subject: {{Placeholder}}
        stores:
          - name: store-eu
            residency: EU
        labels:
          - name: public
          - name: signe
          - name: chiffre
          - name: sequestre
          - name: signe-chiffre
          - name: bloque
        user-labels:
          - source: subject-tag
            values: [BLOCK]
            label: bloque
        rules:
          - name: vers-domaine-signe
            when:
              recipient-domain: [{{SignDomain}}]
            label: signe
          - name: vers-domaine-chiffre
            when:
              recipient-domain: [{{EncryptDomain}}]
            label: chiffre
          - name: vers-domaine-sequestre
            when:
              recipient-domain: [{{EscrowOnlyDomain}}]
            label: sequestre
          - name: vers-domaine-signe-chiffre
            when:
              recipient-domain: [{{SignEncryptDomain}}]
            label: signe-chiffre
          - name: {{BlockRule}}
            when:
              user-label: bloque
            label: bloque
            reason: 'Ce message est marqué « interdit » : il ne peut pas quitter l''organisation.'
        actions:
          mail:
            public: { action: pass }
            signe: { action: sign }
            chiffre: { action: encrypt, missing-certificate: refuse }
            sequestre: { action: encrypt, missing-certificate: escrow-only }
            signe-chiffre: { action: sign-encrypt, missing-certificate: refuse }
            bloque: { action: block, reason: Interdit. }
          document:
            public: { action: pass, stores: [store-eu] }
            signe: { action: pass, stores: [store-eu] }
            chiffre: { action: pass, stores: [store-eu] }
            sequestre: { action: pass, stores: [store-eu] }
            signe-chiffre: { action: pass, stores: [store-eu] }
            bloque: { action: block, reason: Interdit. }
        """;
}
