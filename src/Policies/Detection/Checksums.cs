namespace Sovereignty.Policies.Detection;

/// <summary>The check-digit algorithms the built-in detectors validate with.</summary>
internal static class Checksums
{
    /// <summary>Luhn (ISO/IEC 7812-1) over ASCII digits: true when the sum is a multiple of 10.</summary>
    public static bool Luhn(ReadOnlySpan<char> digits)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return sum % 10 == 0;
    }

    /// <summary>Sum of the digits.</summary>
    public static int DigitSum(ReadOnlySpan<char> digits)
    {
        var sum = 0;
        foreach (var c in digits)
        {
            sum += c - '0';
        }

        return sum;
    }

    /// <summary>The value of a decimal digit string modulo <paramref name="modulus"/>, of any length.</summary>
    public static int Mod(ReadOnlySpan<char> digits, int modulus)
    {
        var remainder = 0;
        foreach (var c in digits)
        {
            remainder = ((remainder * 10) + (c - '0')) % modulus;
        }

        return remainder;
    }

    /// <summary>Parses up to 18 ASCII digits.</summary>
    public static long ToInt64(ReadOnlySpan<char> digits)
    {
        long value = 0;
        foreach (var c in digits)
        {
            value = (value * 10) + (c - '0');
        }

        return value;
    }

    /// <summary>
    /// Copies the letters and digits of text[start..start+length] into <paramref name="destination"/>,
    /// dropping separators (spaces, dots, dashes). Returns how many were copied, or -1 when more
    /// than fit.
    /// </summary>
    public static int Compact(string text, int start, int length, Span<char> destination)
    {
        var count = 0;
        for (var i = start; i < start + length; i++)
        {
            var c = text[i];
            if (char.IsAsciiLetterOrDigit(c))
            {
                if (count == destination.Length)
                {
                    return -1;
                }

                destination[count++] = c;
            }
        }

        return count;
    }
}
