using System.Globalization;
using Sovereignty.Policies.Model;
using Sovereignty.Policies.Validation;

namespace Sovereignty.Policies.Loading;

/// <summary>
/// Typed access to one YAML mapping: reports unknown keys (with the allowed ones), wrong
/// types and missing required keys, each at the position of the offending node.
/// </summary>
internal sealed class MapReader
{
    private readonly YamlMap _map;
    private readonly ErrorSink _errors;

    private MapReader(YamlMap map, ErrorSink errors)
    {
        _map = map;
        _errors = errors;
    }

    public SourceLocation At => _map.At;

    /// <summary>Opens <paramref name="value"/> as a mapping whose keys must be among <paramref name="allowedKeys"/>; null (and an error) otherwise.</summary>
    public static MapReader? Open(YamlValue? value, string what, ErrorSink errors, params string[] allowedKeys)
    {
        if (value is not YamlMap map)
        {
            if (value is not null)
            {
                errors.Add(value.At, $"{what} must be a mapping (key: value), not {value.KindName}");
            }

            return null;
        }

        foreach (var (key, _) in map.Entries)
        {
            if (!allowedKeys.Contains(key.Value, StringComparer.Ordinal))
            {
                errors.Add(key.At, $"unknown key '{key.Value}' in {what}{Suggest(key.Value, allowedKeys)}; allowed: {string.Join(", ", allowedKeys)}");
            }
        }

        return new MapReader(map, errors);
    }

    public bool Has(string key) => _map[key] is not null;

    public YamlValue? Raw(string key) => _map[key];

    public SourceLocation KeyAt(string key) =>
        _map.Entries.FirstOrDefault(e => e.Key.Value == key).Key?.At ?? _map.At;

    public string? String(string key, bool required = false)
    {
        var value = _map[key];
        if (value is null)
        {
            if (required)
            {
                _errors.Add(_map.At, $"missing required key '{key}'");
            }

            return null;
        }

        if (value is YamlScalar { IsNull: false } scalar)
        {
            return scalar.Value;
        }

        _errors.Add(value.At, $"'{key}' must be a single text value, not {(value is YamlScalar ? "empty" : value.KindName)}");
        return null;
    }

    public int? Int(string key)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        _errors.Add(_map[key]!.At, $"'{key}' must be a whole number, not '{text}'");
        return null;
    }

    public double? Double(string key)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        _errors.Add(_map[key]!.At, $"'{key}' must be a number (e.g. 0.8), not '{text}'");
        return null;
    }

    public bool? Bool(string key)
    {
        var text = String(key);
        return text switch
        {
            null => null,
            "true" or "yes" => true,
            "false" or "no" => false,
            _ => Invalid(),
        };

        bool? Invalid()
        {
            _errors.Add(_map[key]!.At, $"'{key}' must be true or false, not '{text}'");
            return null;
        }
    }

    /// <summary>Reads one of <paramref name="allowed"/>; returns its index, or null (with an error) when the value is not one of them.</summary>
    public int? OneOf(string key, params string[] allowed)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        var index = Array.IndexOf(allowed, text);
        if (index < 0)
        {
            _errors.Add(_map[key]!.At, $"'{key}' must be one of {string.Join(", ", allowed)}, not '{text}'{Suggest(text, allowed)}");
            return null;
        }

        return index;
    }

    /// <summary>A list of text values; a single value is accepted as a one-item list.</summary>
    public IReadOnlyList<(string Value, SourceLocation At)> StringList(string key) =>
        ReadStringList(_map[key], key, _errors);

    public static IReadOnlyList<(string Value, SourceLocation At)> ReadStringList(YamlValue? value, string key, ErrorSink errors)
    {
        switch (value)
        {
            case null:
                return [];
            case YamlScalar { IsNull: true }:
                return [];
            case YamlScalar scalar:
                return [(scalar.Value, scalar.At)];
            case YamlList list:
                var result = new List<(string, SourceLocation)>();
                foreach (var item in list.Items)
                {
                    if (item is YamlScalar { IsNull: false } s)
                    {
                        result.Add((s.Value, s.At));
                    }
                    else
                    {
                        errors.Add(item.At, $"each item of '{key}' must be a single text value, not {(item is YamlScalar ? "empty" : item.KindName)}");
                    }
                }

                return result;
            default:
                errors.Add(value.At, $"'{key}' must be a list of text values, not {value.KindName}");
                return [];
        }
    }

    private static string Suggest(string written, string[] allowed)
    {
        var best = allowed
            .Select(a => (Name: a, Distance: Levenshtein(written, a)))
            .OrderBy(a => a.Distance)
            .FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, written.Length / 3)
            ? $" (did you mean '{best.Name}'?)"
            : string.Empty;
    }

    private static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
