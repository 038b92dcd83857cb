using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection;

/// <summary>
/// Checks detector settings and reports every problem at once, as plain messages the policy
/// validator can place at the right line of the policy file.
/// </summary>
public static class DetectorSettingsValidator
{
    /// <summary>Every problem with <paramref name="settings"/>; empty when they are valid.</summary>
    public static IReadOnlyList<string> Validate(DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new List<string>();
        if (settings.ContextDistance < 0)
        {
            errors.Add($"context distance must be 0 or more, not {settings.ContextDistance}");
        }

        if (settings.MinCount < 1)
        {
            errors.Add($"minimum count must be 1 or more, not {settings.MinCount}");
        }

        if (settings.Confidence is { } c && (double.IsNaN(c) || c is < 0 or > 1))
        {
            errors.Add($"confidence must be between 0 and 1, not {c}");
        }

        if (settings.ContextConfidence is { } cc && (double.IsNaN(cc) || cc is < 0 or > 1))
        {
            errors.Add($"context confidence must be between 0 and 1, not {cc}");
        }

        if (settings.MatchTimeout <= TimeSpan.Zero || settings.MatchTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"match timeout must be more than 0 and at most 1 minute, not {settings.MatchTimeout}");
        }

        if (settings.ContextWords.Any(string.IsNullOrWhiteSpace) || settings.Keywords.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("keywords and context words must not be empty");
        }

        if (settings.Pattern is not null && TryValidatePattern(settings.Pattern, out var error) is false)
        {
            errors.Add(error!);
        }

        return errors;
    }

    /// <summary>Whether <paramref name="pattern"/> is a valid .NET regular expression; the parser's message otherwise.</summary>
    public static bool TryValidatePattern(string pattern, out string? error)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length == 0)
        {
            error = "the regular expression is empty";
            return false;
        }

        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            error = null;
            return true;
        }
        catch (ArgumentException e)
        {
            error = $"invalid regular expression: {e.Message}";
            return false;
        }
    }

    internal static void ThrowIfInvalid(DetectorSettings settings)
    {
        var errors = Validate(settings);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(settings));
        }
    }
}
