namespace Sovereignty.Policies.Detection;

/// <summary>
/// How a detector is configured by a policy: keywords or a pattern for custom detectors,
/// context words and their distance, minimum count and confidence for all of them.
/// </summary>
/// <remarks>
/// Defaults: no extra context words, a distance of 50 characters, context optional except
/// where a built-in detector requires it (<c>fr-passport</c>, <c>fr-cni</c>), a minimum
/// count of 1, a 1 second regex match timeout, the built-in confidence values.
/// </remarks>
public sealed record DetectorSettings
{
    /// <summary>The shared default settings.</summary>
    public static DetectorSettings Default { get; } = new();

    /// <summary>
    /// The name hits carry; by default the built-in type (e.g. <c>fr-nir</c>) or, for
    /// keyword and regex detectors, <c>keyword</c> / <c>regex</c>.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>Keywords or phrases of a keyword detector (case and accent insensitive, whole words).</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];

    /// <summary>The .NET regular expression of a regex detector.</summary>
    public string? Pattern { get; init; }

    /// <summary>Whether a regex detector's pattern is case sensitive (default: no).</summary>
    public bool CaseSensitive { get; init; }

    /// <summary>Longest time one regex match may take before the scan fails (fail closed).</summary>
    public TimeSpan MatchTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Words or phrases that corroborate a match when found near it (case and accent
    /// insensitive, whole words). For built-in detectors they are added to the built-in list.
    /// </summary>
    public IReadOnlyList<string> ContextWords { get; init; } = [];

    /// <summary>How far from the match a context word may be, in <see cref="ContextUnit"/>.</summary>
    public int ContextDistance { get; init; } = 50;

    /// <summary>Whether <see cref="ContextDistance"/> counts characters or words.</summary>
    public ContextDistanceUnit ContextUnit { get; init; } = ContextDistanceUnit.Characters;

    /// <summary>
    /// Whether a match without a context word nearby is dropped. <see langword="null"/>
    /// keeps the detector's own default (required for passport and CNI, optional elsewhere).
    /// </summary>
    public bool? RequireContext { get; init; }

    /// <summary>How many hits (across the whole content) are needed before any counts.</summary>
    public int MinCount { get; init; } = 1;

    /// <summary>Confidence of a match without context; <see langword="null"/> keeps the detector's default.</summary>
    public double? Confidence { get; init; }

    /// <summary>Confidence of a match with context nearby; <see langword="null"/> keeps the detector's default.</summary>
    public double? ContextConfidence { get; init; }
}

/// <summary>The unit of <see cref="DetectorSettings.ContextDistance"/>.</summary>
public enum ContextDistanceUnit
{
    /// <summary>Characters between the end of one and the start of the other.</summary>
    Characters,

    /// <summary>Whole words between the match and the context word (0 = adjacent).</summary>
    Words,
}
