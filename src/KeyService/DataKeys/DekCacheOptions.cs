namespace Sovereignty.KeyService.DataKeys;

/// <summary>Bounds of the in-process cache of unwrapped data keys (<see cref="DekCache"/>).</summary>
/// <remarks>
/// Defaults: <see cref="MaxEntries"/> = 10,000 keys (~1 MB with bookkeeping),
/// <see cref="MaxAge"/> = 5 minutes from the unwrap. The age bounds how long a data key
/// stays usable in a running gateway after its KEK version is shredded elsewhere, and how
/// long DEKs sit in memory; <c>MaxEntries = 0</c> disables the cache (every read calls the HSM).
/// Configuration section: <c>Sovereignty:DekCache</c>.
/// </remarks>
public sealed class DekCacheOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Sovereignty:DekCache";

    /// <summary>Most data keys held at once; the least recently used is evicted first. Default 10,000.</summary>
    public int MaxEntries { get; set; } = 10_000;

    /// <summary>How long a data key stays cached after it was unwrapped. Default 5 minutes; at most 1 day.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The problems with these options, empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxEntries < 0)
        {
            errors.Add($"{SectionName}:MaxEntries must be 0 or more (0 disables the cache), not {MaxEntries}.");
        }

        if (MaxAge <= TimeSpan.Zero || MaxAge > TimeSpan.FromDays(1))
        {
            errors.Add($"{SectionName}:MaxAge must be more than 0 and at most 1 day, not {MaxAge}.");
        }

        return errors;
    }
}
