namespace Sovereignty.Policies.Model;

/// <summary>A detector the policy declares: a built-in type, a keyword list or a regular expression.</summary>
/// <remarks>
/// <para><c>Type</c>: a built-in type (<c>fr-nir</c>, <c>iban</c>…), <c>keywords</c> or <c>regex</c>.</para>
/// <para><c>ContextWords</c>: words that corroborate a hit within <c>ContextDistance</c> characters
/// (or words, per <c>ContextInWords</c>); with <c>RequireContext</c> a hit without one is dropped.</para>
/// <para><c>MinCount</c>: hits needed across the whole mail or document before any counts.</para>
/// <para><c>Confidence</c>, <c>ContextConfidence</c>: override the detector's confidence without / with context; null keeps its default.</para>
/// <para><c>MinConfidence</c>: hits below it are ignored.</para>
/// </remarks>
public sealed record DetectorDefinition(
    string Name,
    string Type,
    IReadOnlyList<string> Keywords,
    string? Pattern,
    bool CaseSensitive,
    IReadOnlyList<string> ContextWords,
    int ContextDistance,
    bool ContextInWords,
    bool? RequireContext,
    int MinCount,
    double? Confidence,
    double? ContextConfidence,
    double MinConfidence,
    SourceLocation At)
{
    public const string KeywordsType = "keywords";
    public const string RegexType = "regex";
}
