namespace Sovereignty.Policies.Detection;

/// <summary>
/// Case and accent folding of single characters, length-preserving so offsets stay valid.
/// Written out because the process runs with invariant globalization (no ICU normalisation).
/// </summary>
internal static class TextFolding
{
    /// <summary>Lower-case, accent-less form of <paramref name="c"/> (French and common Latin letters).</summary>
    public static char Fold(char c)
    {
        var lower = char.ToLowerInvariant(c);
        return lower switch
        {
            'à' or 'â' or 'ä' or 'á' or 'ã' => 'a',
            'ç' => 'c',
            'é' or 'è' or 'ê' or 'ë' => 'e',
            'î' or 'ï' or 'í' or 'ì' => 'i',
            'ô' or 'ö' or 'ó' or 'ò' => 'o',
            'ù' or 'û' or 'ü' or 'ú' => 'u',
            'ÿ' => 'y',
            'ñ' => 'n',
            '’' or '`' => '\'',
            _ => lower,
        };
    }

    /// <summary>The folded form of <paramref name="text"/>, of the same length.</summary>
    public static string Fold(ReadOnlySpan<char> text)
    {
        return string.Create(text.Length, text.ToString(), static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = Fold(source[i]);
            }
        });
    }
}
