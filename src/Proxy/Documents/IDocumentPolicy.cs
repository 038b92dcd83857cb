using Sovereignty.Proxy.Identity;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// What the document proxy asks the policy engine: what to do with an upload, and who may
/// read a label. The seam between YARP plumbing and Sovereignty.Policies (see
/// <c>PolicyDocumentPolicy</c> for the adapter over the policy provider).
/// </summary>
public interface IDocumentPolicy
{
    /// <summary>True once a valid policy is loaded (readiness).</summary>
    bool IsLoaded { get; }

    /// <summary>Decides an upload from its metadata and the inspected prefix of its content.</summary>
    ValueTask<UploadDecision> DecideUploadAsync(UploadSample sample, CallerIdentity caller, CancellationToken cancellationToken);

    /// <summary>
    /// What the policy decides for a document at <paramref name="path"/> from its path and file
    /// name alone, without content: the part of a decision that changes when a document is
    /// moved or copied (WebDAV MOVE and COPY do not send the content through the gateway).
    /// </summary>
    UploadDecision DecideByPath(string path, CallerIdentity caller);

    /// <summary>
    /// Decides whether <paramref name="caller"/> may read an object whose envelope header is
    /// <paramref name="header"/> (its label and the readers recorded at upload); <c>null</c>
    /// for an object stored in clear.
    /// </summary>
    ReadDecision DecideRead(CallerIdentity caller, EnvelopeHeaderInfo? header);
}

/// <summary>What the policy engine sees of an upload.</summary>
/// <param name="RouteId">The YARP route (one per document space).</param>
/// <param name="Path">The object's path as the client named it.</param>
/// <param name="ContentType">The declared media type.</param>
/// <param name="FileName">The last path segment.</param>
/// <param name="DeclaredLabel">A label the client set (header <c>X-Sovereignty-Label</c>), if any.</param>
/// <param name="Content">The inspected prefix (at most the inspection window).</param>
/// <param name="IsComplete">False when the upload is longer than the window: the rest was not scanned.</param>
/// <param name="DeclaredLength">The declared Content-Length, when given.</param>
public sealed record UploadSample(
    string RouteId,
    string Path,
    string? ContentType,
    string FileName,
    string? DeclaredLabel,
    ReadOnlyMemory<byte> Content,
    bool IsComplete,
    long? DeclaredLength);

/// <summary>What happens to an upload.</summary>
public enum UploadAction
{
    /// <summary>Stream-encrypt with <see cref="UploadDecision.KeyClass"/>.</summary>
    Encrypt,

    /// <summary>Refuse with 403.</summary>
    Block,

    /// <summary>Forward in clear (only where the policy says so explicitly).</summary>
    Pass,
}

/// <summary>The policy's answer for one upload.</summary>
/// <param name="Action">Encrypt, block or pass.</param>
/// <param name="Label">The label the content got.</param>
/// <param name="KeyClass">The key class for <see cref="UploadAction.Encrypt"/>.</param>
/// <param name="AllowedStores">Stores (YARP cluster ids) that may hold the label; empty = any store of the route.</param>
/// <param name="Rule">The rule that decided.</param>
/// <param name="Reason">A sentence for the caller when blocked (what to do, whom to ask).</param>
/// <param name="PolicyVersion">Content hash of the policy.</param>
/// <param name="ReaderGroups">Groups that may read the document (recorded, authenticated, in the envelope).</param>
/// <param name="ReaderSubjects">Subjects that may read the document.</param>
public sealed record UploadDecision(
    UploadAction Action,
    string Label,
    string? KeyClass,
    IReadOnlyList<string> AllowedStores,
    string Rule,
    string? Reason,
    string PolicyVersion,
    IReadOnlyList<string> ReaderGroups,
    IReadOnlyList<string> ReaderSubjects);

/// <summary>The policy's answer to "may this caller read this label".</summary>
/// <param name="Allowed">True when reading is allowed.</param>
/// <param name="Rule">The rule or label setting that decided.</param>
/// <param name="Reason">Why not, for the 403 answer.</param>
/// <param name="PolicyVersion">Content hash of the policy.</param>
public sealed record ReadDecision(bool Allowed, string Rule, string? Reason, string PolicyVersion);
