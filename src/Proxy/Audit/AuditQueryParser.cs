using System.Globalization;
using System.Text.RegularExpressions;
using Sovereignty.KeyService.Audit;

namespace Sovereignty.Proxy.Audit;

/// <summary>
/// Parses the auditors' filters, shared by <c>sovereignty audit</c> and the HTTP audit API so
/// both accept exactly the same values. Every error says which value was wrong and what is accepted.
/// </summary>
internal static partial class AuditQueryParser
{
    /// <summary>Builds a query; throws <see cref="FormatException"/> naming the bad value.</summary>
    public static AuditQuery Parse(
        string? key, string? actor, string? objectId, string? operation, string? result,
        string? since, string? until, int? limit, string? node, bool oldestFirst, DateTimeOffset now)
    {
        var (keyClass, keyVersion) = ParseKey(key);
        var query = new AuditQuery
        {
            KeyClass = keyClass,
            KeyVersion = keyVersion,
            Actor = Blank(actor),
            ObjectId = Blank(objectId),
            Operation = ParseOperation(operation),
            Result = ParseResult(result),
            Since = ParseTime(since, now, "since"),
            Until = ParseTime(until, now, "until"),
            Limit = limit ?? 100,
            Node = Blank(node),
            OldestFirst = oldestFirst,
        };
        if (query.Limit is < 1 or > 10_000)
        {
            throw new FormatException($"limit {query.Limit} is out of range: use 1 to 10000.");
        }

        if (query.Since is { } s && query.Until is { } u && u <= s)
        {
            throw new FormatException("until must be after since.");
        }

        return query;
    }

    /// <summary><c>CLASS</c> or <c>CLASS:VERSION</c> (the version as <c>3</c> or <c>v3</c>).</summary>
    public static (string? KeyClass, int? Version) ParseKey(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return (null, null);
        }

        var colon = value.LastIndexOf(':');
        if (colon < 0)
        {
            return (value.Trim(), null);
        }

        var name = value[..colon].Trim();
        var version = value[(colon + 1)..].Trim().TrimStart('v', 'V');
        if (name.Length == 0 || !int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            throw new FormatException($"key '{value}' is not CLASS or CLASS:VERSION (e.g. confidential-fr:2).");
        }

        return (name, number);
    }

    public static KeyOperation? ParseOperation(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var normalized = value.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        return Enum.TryParse<KeyOperation>(normalized, ignoreCase: true, out var operation) && Enum.IsDefined(operation)
            ? operation
            : throw new FormatException($"operation '{value}' is unknown; use one of: {string.Join(", ", Enum.GetNames<KeyOperation>())}.");
    }

    public static KeyEventResult? ParseResult(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Enum.TryParse<KeyEventResult>(value, ignoreCase: true, out var result) && Enum.IsDefined(result)
            ? result
            : throw new FormatException($"result '{value}' is unknown; use ok, denied or error.");
    }

    /// <summary>An ISO 8601 time (UTC unless it says otherwise), or a duration back from now: <c>90m</c>, <c>24h</c>, <c>7d</c>.</summary>
    public static DateTimeOffset? ParseTime(string? value, DateTimeOffset now, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var relative = RelativeTime().Match(value.Trim());
        if (relative.Success)
        {
            var amount = int.Parse(relative.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture);
            return now - relative.Groups[2].Value switch
            {
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new FormatException($"{name} '{value}' is not a time: use ISO 8601 (2026-11-28T09:00Z) or a duration back from now (90m, 24h, 7d).");
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    [GeneratedRegex("^([0-9]{1,6})([smhd])$")]
    private static partial Regex RelativeTime();
}
