namespace Sovereignty.Policies.Detection;

/// <summary>
/// Finds one kind of sensitive data in text. Implementations are immutable and
/// thread-safe: one instance serves every concurrent classification.
/// </summary>
public interface IDetector
{
    /// <summary>The detector's name, as policies refer to it.</summary>
    string Name { get; }

    /// <summary>
    /// How many hits across the whole content are needed before any of them counts.
    /// <see cref="ContentScanner"/> applies it; <see cref="Scan"/> reports every hit.
    /// </summary>
    int MinCount => 1;

    /// <summary>Every match in <paramref name="text"/>, located as <paramref name="location"/>.</summary>
    /// <exception cref="System.Text.RegularExpressions.RegexMatchTimeoutException">
    /// A pattern took longer than its match timeout; callers treat the part as unscannable.
    /// </exception>
    IReadOnlyList<DetectorHit> Scan(string text, string location);
}
