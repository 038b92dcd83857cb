namespace Sovereignty.Policies.Detection;

/// <summary>
/// One match of a detector in one piece of extracted text. It never carries the matched
/// value: only where it was, so decisions and explanations can be logged safely.
/// </summary>
/// <param name="Detector">The detector's name (built-in type like <c>fr-nir</c>, or a policy-defined name).</param>
/// <param name="Location">Which content part the hit is in (e.g. <c>body</c>, <c>attachment:report.docx/word/document.xml</c>).</param>
/// <param name="Offset">Character offset of the match in that part's text.</param>
/// <param name="Length">Length of the match in characters.</param>
/// <param name="Confidence">0..1; checksum-validated matches are high, pattern-only matches lower.</param>
public sealed record DetectorHit(string Detector, string Location, int Offset, int Length, double Confidence);
