using Sovereignty.Policies.Detection.BuiltIn;

namespace Sovereignty.Policies.Detection;

/// <summary>
/// Finds keywords or phrases from a list: whole words, case and accent insensitive
/// ("securite sociale" finds "Sécurité Sociale"), any white space between the words of a
/// phrase, either apostrophe. Matching uses a non-backtracking regex: time is linear in the
/// text whatever the list. Confidence defaults: 0.7, or 0.9 with a context word nearby.
/// </summary>
public sealed class KeywordDetector : IDetector
{
    /// <summary>The name hits carry when the settings give none.</summary>
    public const string DefaultName = "keyword";

    private static readonly BuiltInProfile Profile = new(Confidence: 0.7, ContextConfidence: 0.9, ContextWords: []);

    private readonly CustomPatternDetector _inner;

    /// <summary>Builds the detector from <see cref="DetectorSettings.Keywords"/>.</summary>
    /// <exception cref="ArgumentException">No keyword, or invalid settings.</exception>
    public KeywordDetector(DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        DetectorSettingsValidator.ThrowIfInvalid(settings);
        var pattern = PhrasePattern.Build(settings.Keywords, settings.MatchTimeout)
            ?? throw new ArgumentException("A keyword detector needs at least one non-empty keyword.", nameof(settings));
        _inner = new CustomPatternDetector(DefaultName, settings, Profile, pattern);
    }

    /// <inheritdoc/>
    public string Name => _inner.Name;

    /// <inheritdoc/>
    public int MinCount => _inner.MinCount;

    /// <inheritdoc/>
    public IReadOnlyList<DetectorHit> Scan(string text, string location) => _inner.Scan(text, location);
}
