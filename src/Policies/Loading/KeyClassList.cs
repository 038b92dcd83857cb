using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Loading;

/// <summary>
/// Parses the key-class list the CLI accepts when no gateway configuration is at hand:
/// <c>name=RESIDENCY</c> items separated by commas or new lines, <c>#</c> comments.
/// </summary>
public static class KeyClassList
{
    /// <exception cref="FormatException">An item is not <c>name=RESIDENCY</c>.</exception>
    public static IReadOnlyList<KeyClassInfo> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<KeyClassInfo>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Split('#')[0];
            foreach (var item in line.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = item.Split('=', StringSplitOptions.TrimEntries);
                if (parts.Length != 2 || parts[0].Length == 0)
                {
                    throw new FormatException($"'{item}' is not a key class: write name=RESIDENCY, e.g. confidentiel-fr=FR");
                }

                result.Add(new KeyClassInfo(parts[0], parts[1]));
            }
        }

        return result;
    }
}
