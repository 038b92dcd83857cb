using System.Buffers;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Utils;
using Sovereignty.KeyService;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Smime;
using Sovereignty.KeyService.Smime.Encryption;
using Sovereignty.KeyService.Smime.Signing;
using Sovereignty.Policies.Decisions;
using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Extraction;
using Sovereignty.Policies.Model;
using Sovereignty.Policies.Validation;
using Sovereignty.Proxy.Documents;
using Sovereignty.Proxy.Smtp.Transform;

namespace Sovereignty.Proxy.Smtp.Decision;

/// <summary>
/// The decision at end of DATA: parses the message once (MimeKit), classifies it with the
/// policy in force on the mail channel (envelope sender and recipients), and carries out the
/// applied outcome — relay the bytes unchanged, sign in the HSM, encrypt to the recipients'
/// certificates plus escrow (optionally signed inside), or refuse.
/// </summary>
/// <remarks>
/// <para>Replies: block and unusable recipient certificates → <c>550 5.7.1</c> (content decisions
/// are permanent); HSM, key or audit log unavailable, or no policy loaded →
/// <c>451 4.7.0</c> (the client retries; nothing was relayed). Mail is never relayed in clear
/// when the policy asks for protection.</para>
/// <para>Bytes that MimeKit cannot parse are classified as unscannable content
/// (<see cref="UnscannableReason.Corrupt"/>): the policy decides; if it asks for protection the
/// message is refused with <c>554 5.6.0</c>, since it cannot be transformed.</para>
/// <para>Audit-only rules or policies: the applied outcome is carried out and what enforcing would
/// have done is logged (event 6404) and written into the detail of any key event.</para>
/// </remarks>
internal sealed class PolicyMessageTransformer : IMessageTransformer
{
    private const string DefaultPlaceholderSubject = "Encrypted message";

    private readonly IPolicySource _policies;
    private readonly ContentExtractor _extractor;
    private readonly ISmimeSigner? _signer;
    private readonly ISmimeEncryptor _encryptor;
    private readonly IKeyPairRing _keyPairs;
    private readonly string _escrowKeyPair;
    private readonly string _serverName;
    private readonly MailAudit _audit;
    private readonly ILogger _logger;

    public PolicyMessageTransformer(
        IPolicySource policies,
        ContentExtractor extractor,
        SmimeServices smime,
        IKeyPairRing keyPairs,
        IOptions<SmimeOptions> smimeOptions,
        IOptions<SmtpRelayOptions> relayOptions,
        MailAudit audit,
        ILogger<PolicyMessageTransformer> logger)
    {
        _policies = policies;
        _extractor = extractor;
        _signer = smime.Signer;
        _encryptor = smime.Encryptor;
        _keyPairs = keyPairs;
        _escrowKeyPair = smimeOptions.Value.EscrowKeyPair;
        _serverName = relayOptions.Value.ServerName;
        _audit = audit;
        _logger = logger;
    }

    public async ValueTask<MessageTransformResult> TransformAsync(SmtpEnvelope envelope, ReadOnlySequence<byte> message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var client = envelope.Client.RemoteEndPoint.Address.ToString();

        // One policy instance for the whole decision, even if a reload swaps it meanwhile.
        CompiledPolicy? policy;
        try
        {
            policy = _policies.Current;
        }
        catch (PolicyValidationException)
        {
            // A source that loads on first use and found the directory invalid: no policy in force.
            policy = null;
        }

        if (policy is null)
        {
            DecisionLog.PolicyNotLoaded(_logger, client);
            return DecisionReplies.PolicyNotLoaded;
        }

        using var parsed = MimeInput.TryParse(message, out var parseError, cancellationToken);
        ExtractedContent content;
        if (parsed is null)
        {
            DecisionLog.Unparsable(_logger, client, parseError!);
            content = new ExtractedContent([], [new UnscannableContent("message", UnscannableReason.Corrupt, "not a MIME message: " + parseError)], [], []);
        }
        else
        {
            content = _extractor.ExtractMessage(parsed, cancellationToken);
        }

        var request = new ClassificationRequest(Channel.Mail, content)
        {
            Sender = envelope.Sender.Length == 0 ? null : envelope.Sender,
            Recipients = envelope.Recipients,
            Subject = parsed?.Subject,
            ContentType = parsed?.Body?.ContentType.MimeType,
        };
        var decision = PolicyEvaluator.Evaluate(policy, request, cancellationToken);
        var applied = decision.Applied;
        var correlationId = Guid.NewGuid().ToString("N");
        var objectId = ObjectIdOf(parsed, applied.Action, correlationId);
        var use = MailKeyUse.Create(envelope, objectId, decision, correlationId);
        var action = PolicyNames.Action(applied.Action);
        var rule = DecisionReplies.RuleOf(applied);
        DecisionLog.Decided(_logger, objectId, client, action, applied.Label, rule, decision.PolicyVersion, envelope.Recipients.Count);
        if (decision.Mode == PolicyMode.AuditOnly && decision.WouldHave is { } wouldHave)
        {
            var wouldHaveAction = PolicyNames.Action(wouldHave.Action);
            var wouldHaveRule = DecisionReplies.RuleOf(wouldHave);
            DecisionLog.WouldHave(_logger, objectId, wouldHaveAction, wouldHave.Label, wouldHaveRule, action);
        }

        switch (applied.Action)
        {
            case PolicyAction.Pass:
                // Relayed byte for byte: the listener's buffer stays valid until it is spooled.
                return new MessageTransformResult.Accept(message);
            case PolicyAction.Block:
                DecisionLog.Blocked(_logger, objectId, client, rule, applied.Label);
                await _audit.BlockedAsync(use).ConfigureAwait(false);
                return DecisionReplies.Blocked(applied);
        }

        if (parsed is null)
        {
            DecisionLog.CannotBeProtected(_logger, objectId, client, action, rule, parseError!);
            return DecisionReplies.CannotBeProtected(applied);
        }

        try
        {
            return applied.Action == PolicyAction.Sign
                ? await SignAsync(parsed, use, message.Length, cancellationToken).ConfigureAwait(false)
                : await EncryptAsync(parsed, envelope, applied, use, message.Length, cancellationToken).ConfigureAwait(false);
        }
        catch (KeyServiceException ex) when (ex.Kind != KeyErrorKind.InvalidData)
        {
            DecisionLog.KeyServiceUnavailable(_logger, objectId, action, ex.Kind.ToString(), ex);
            return DecisionReplies.KeyServiceUnavailable(ex);
        }
        catch (KeyServiceException ex)
        {
            DecisionLog.CannotBeProtected(_logger, objectId, client, action, rule, ex.Message);
            return DecisionReplies.CannotBeProtected(applied);
        }
    }

    private async Task<MessageTransformResult> SignAsync(MimeMessage message, KeyUse use, long size, CancellationToken cancellationToken)
    {
        var signer = _signer ?? throw new KeyServiceException(KeyErrorKind.Configuration,
            "The policy asks for a signature but no signing certificate is configured (Sovereignty:Smime:SigningCertificatePath).");
        await signer.SignMessageAsync(message, use, cancellationToken).ConfigureAwait(false);
        return new MessageTransformResult.Accept(await MimeInput.WriteAsync(message, size, cancellationToken).ConfigureAwait(false));
    }

    private async Task<MessageTransformResult> EncryptAsync(
        MimeMessage message, SmtpEnvelope envelope, DecisionOutcome applied, KeyUse use, long size, CancellationToken cancellationToken)
    {
        // The escrow key must exist in the HSM (its id goes into the audit event); cached after the first message.
        var escrowInfo = await _keyPairs.GetPublicKeyAsync(_escrowKeyPair, cancellationToken).ConfigureAwait(false);
        var escrowKey = new KeyReference(_escrowKeyPair, escrowInfo.KeyId, 1);
        var request = new SmimeEncryptionRequest(message, envelope.Recipients, use)
        {
            PlaceholderSubject = applied.PlaceholderSubject ?? DefaultPlaceholderSubject,
            Sign = applied.Action == PolicyAction.SignAndEncrypt,
            WhenCertificateMissing = applied.MissingCertificate == MissingCertificateBehaviour.EscrowOnly
                ? MissingCertificateAction.EncryptToEscrowOnly
                : MissingCertificateAction.Refuse,
        };
        var result = await _encryptor.EncryptAsync(request, cancellationToken).ConfigureAwait(false);
        var missing = result.MissingCertificates;
        if (result.Message is null)
        {
            DecisionLog.CertificatesUnusable(_logger, use.ObjectId!, missing.Count,
                string.Join("; ", missing.Select(r => DecisionReplies.Why(r.Lookup)).Distinct(StringComparer.Ordinal)), DecisionReplies.RuleOf(applied));
            await _audit.CertificatesUnusableAsync(escrowKey, use, result).ConfigureAwait(false);
            return DecisionReplies.CertificatesUnusable(missing, applied);
        }

        if (missing.Count > 0)
        {
            DecisionLog.EncryptedToEscrowOnly(_logger, use.ObjectId!, missing.Count, DecisionReplies.RuleOf(applied));
        }

        // No relay without the record of the key use: a failure here answers 451.
        await _audit.EncryptedAsync(escrowKey, use, result, cancellationToken).ConfigureAwait(false);
        return new MessageTransformResult.Accept(await MimeInput.WriteAsync(result.Message, size, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The Message-ID the audit log files the message under. A message to be transformed that
    /// has none gets one (as an MTA would), so the recipient's copy and the audit event match;
    /// a message relayed or refused as is is filed under its correlation id.
    /// </summary>
    private string ObjectIdOf(MimeMessage? message, PolicyAction action, string correlationId)
    {
        if (message?.MessageId is { Length: > 0 } id)
        {
            return "<" + id + ">";
        }

        if (message is not null && action is not (PolicyAction.Pass or PolicyAction.Block))
        {
            message.MessageId = MimeUtils.GenerateMessageId(_serverName);
            return "<" + message.MessageId + ">";
        }

        return "smtp:" + correlationId;
    }
}
