using Sovereignty.Policies.Extraction;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Evaluation;

/// <summary>Everything the policy looks at for one mail or one document.</summary>
/// <remarks>
/// <para><c>Sender</c>: the envelope sender (mail) or the uploading user's address (documents), if known.</para>
/// <para><c>DocumentPath</c>: the document's route/path in the store, e.g. <c>/sites/rh/paie/2026-11.xlsx</c>.</para>
/// <para><c>ContentType</c>: the mail's or document's top-level MIME type.</para>
/// </remarks>
public sealed record ClassificationRequest(Channel Channel, ExtractedContent Content)
{
    public string? Sender { get; init; }

    public IReadOnlyList<string> Recipients { get; init; } = [];

    public string? Subject { get; init; }

    public string? DocumentPath { get; init; }

    public string? FileName { get; init; }

    public string? ContentType { get; init; }
}
