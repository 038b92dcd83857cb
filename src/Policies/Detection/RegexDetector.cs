using System.Text.RegularExpressions;
using Sovereignty.Policies.Detection.BuiltIn;

namespace Sovereignty.Policies.Detection;

/// <summary>
/// Finds matches of a policy-defined .NET regular expression. The pattern is compiled with
/// <see cref="RegexOptions.NonBacktracking"/> (linear time, no catastrophic backtracking)
/// when it uses only constructs that engine supports; a pattern with lookarounds,
/// backreferences or atomic groups falls back to the backtracking engine, bounded by
/// <see cref="DetectorSettings.MatchTimeout"/>. Empty matches are ignored. Confidence
/// defaults: 0.6, or 0.85 with a context word nearby.
/// </summary>
public sealed class RegexDetector : IDetector
{
    /// <summary>The name hits carry when the settings give none.</summary>
    public const string DefaultName = "regex";

    private static readonly BuiltInProfile Profile = new(Confidence: 0.6, ContextConfidence: 0.85, ContextWords: []);

    private readonly CustomPatternDetector _inner;

    /// <summary>Builds the detector from <see cref="DetectorSettings.Pattern"/>.</summary>
    /// <exception cref="ArgumentException">No pattern, an invalid pattern, or invalid settings.</exception>
    public RegexDetector(DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        DetectorSettingsValidator.ThrowIfInvalid(settings);
        if (string.IsNullOrEmpty(settings.Pattern))
        {
            throw new ArgumentException("A regex detector needs a pattern.", nameof(settings));
        }

        Pattern = Compile(settings.Pattern, settings.CaseSensitive, settings.MatchTimeout);
        _inner = new CustomPatternDetector(DefaultName, settings, Profile, Pattern);
    }

    /// <inheritdoc/>
    public string Name => _inner.Name;

    /// <inheritdoc/>
    public int MinCount => _inner.MinCount;

    /// <summary>Whether the pattern runs on the linear-time engine.</summary>
    public bool IsLinearTime => (Pattern.Options & RegexOptions.NonBacktracking) != 0;

    internal Regex Pattern { get; }

    /// <inheritdoc/>
    public IReadOnlyList<DetectorHit> Scan(string text, string location) => _inner.Scan(text, location);

    /// <summary>Compiles a policy pattern, preferring the non-backtracking engine.</summary>
    /// <exception cref="ArgumentException">The pattern is not a valid .NET regular expression.</exception>
    internal static Regex Compile(string pattern, bool caseSensitive, TimeSpan matchTimeout)
    {
        var options = RegexOptions.CultureInvariant | (caseSensitive ? RegexOptions.None : RegexOptions.IgnoreCase);
        try
        {
            return new Regex(pattern, options | RegexOptions.NonBacktracking, matchTimeout);
        }
        catch (NotSupportedException)
        {
            return new Regex(pattern, options | RegexOptions.Compiled, matchTimeout);
        }
    }
}
