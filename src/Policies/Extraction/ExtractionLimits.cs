namespace Sovereignty.Policies.Extraction;

/// <summary>
/// Bounds on what extraction may read, so memory and time depend on these limits and not
/// on the input. Anything beyond a limit is reported as unscannable
/// (<see cref="UnscannableReason.LimitExceeded"/>), never silently dropped.
/// </summary>
/// <remarks>
/// Defaults: depth 8, expansion ratio 100:1 (checked once an entry has produced 1 MiB),
/// 128 MiB of decoded bytes in total, 4 Mi characters of text per part, 1,000 parts,
/// 10 seconds.
/// </remarks>
public sealed record ExtractionLimits
{
    /// <summary>The default limits.</summary>
    public static ExtractionLimits Default { get; } = new();

    /// <summary>
    /// How deep containers may nest: a message's attachment is at depth 1, a file inside a zip
    /// attachment at depth 2, a document embedded in that file at depth 3. Default 8.
    /// </summary>
    public int MaxDepth { get; init; } = 8;

    /// <summary>
    /// Largest ratio of decompressed to compressed size for one archive or Office entry
    /// (a zip bomb exceeds it). Checked once the entry has produced
    /// <see cref="ExpansionCheckThresholdBytes"/>. Default 100.
    /// </summary>
    public int MaxExpansionRatio { get; init; } = 100;

    /// <summary>Decompressed size from which the expansion ratio is enforced. Default 1 MiB.</summary>
    public long ExpansionCheckThresholdBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Most decoded bytes read in one extraction (MIME parts after transfer decoding, archive
    /// and Office entries after decompression). Bounds memory. Default 128 MiB.
    /// </summary>
    public long MaxTotalBytes { get; init; } = 128L << 20;

    /// <summary>Most characters of text kept for one part; longer text is truncated and reported. Default 4 Mi.</summary>
    public int MaxTextCharsPerPart { get; init; } = 4 << 20;

    /// <summary>Most parts (text parts, attachments and archive members together). Default 1,000.</summary>
    public int MaxParts { get; init; } = 1000;

    /// <summary>Longest an extraction may run. Default 10 seconds.</summary>
    public TimeSpan MaxTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Every problem with these limits; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxDepth < 1)
        {
            errors.Add("MaxDepth must be at least 1");
        }

        if (MaxExpansionRatio < 1)
        {
            errors.Add("MaxExpansionRatio must be at least 1");
        }

        if (ExpansionCheckThresholdBytes < 0)
        {
            errors.Add("ExpansionCheckThresholdBytes must not be negative");
        }

        if (MaxTotalBytes < 1)
        {
            errors.Add("MaxTotalBytes must be at least 1");
        }

        if (MaxTextCharsPerPart < 1)
        {
            errors.Add("MaxTextCharsPerPart must be at least 1");
        }

        if (MaxParts < 1)
        {
            errors.Add("MaxParts must be at least 1");
        }

        if (MaxTime <= TimeSpan.Zero)
        {
            errors.Add("MaxTime must be positive");
        }

        return errors;
    }
}
