namespace Sovereignty.Policies.Detection;

/// <summary>
/// Finds one kind of sensitive data in text. Implementations are immutable and
/// thread-safe: one instance serves every concurrent classification.
/// </summary>
public interface IDetector
{
    /// <summary>The detector's name, as policies refer to it.</summary>
    string Name { get; }

    /// <summary>Every match in <paramref name="text"/>, located as <paramref name="location"/>.</summary>
    IReadOnlyList<DetectorHit> Scan(string text, string location);
}
