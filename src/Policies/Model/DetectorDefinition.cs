namespace Sovereignty.Policies.Model;

/// <summary>A detector the policy declares: a built-in type, a keyword list or a regular expression.</summary>
/// <remarks>
/// <para><c>Type</c>: A built-in type (<c>fr-nir</c>, <c>iban</c>…), <c>keywords</c> or <c>regex</c>.</para>
/// <para><c>Keywords</c>: For <c>keywords</c>: the words or phrases to find.</para>
/// <para><c>Pattern</c>: For <c>regex</c>: the pattern.</para>
/// <para><c>Options</c>: Options passed to a built-in detector.</para>
/// <para><c>ContextWords</c>: When not empty, a hit counts only if one of these appears within <paramref name="ContextDistance"/> characters.</para>
/// <para><c>MinCount</c>: Hits below this count (per mail or document) are ignored.</para>
/// <para><c>Confidence</c>: Confidence given to keyword and regex hits.</para>
/// <para><c>MinConfidence</c>: Hits below this confidence are ignored.</para>
/// </remarks>
public sealed record DetectorDefinition(
    string Name,
    string Type,
    IReadOnlyList<string> Keywords,
    string? Pattern,
    IReadOnlyDictionary<string, string> Options,
    IReadOnlyList<string> ContextWords,
    int ContextDistance,
    int MinCount,
    double Confidence,
    double MinConfidence,
    SourceLocation At)
{
    public const string KeywordsType = "keywords";
    public const string RegexType = "regex";
}
