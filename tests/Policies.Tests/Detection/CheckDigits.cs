using System.Numerics;

namespace Sovereignty.Policies.Tests.Detection;

/// <summary>
/// Independent implementations of the check algorithms, written from the specifications,
/// used to generate valid numbers in tests (never copied from the code under test).
/// </summary>
internal static class CheckDigits
{
    /// <summary>Appends the Luhn check digit to <paramref name="payload"/>.</summary>
    public static string WithLuhn(string payload)
    {
        for (var d = 0; d <= 9; d++)
        {
            var candidate = payload + d;
            if (LuhnSum(candidate) % 10 == 0)
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("unreachable");
    }

    public static int LuhnSum(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1)
            {
                d = d * 2 > 9 ? (d * 2) - 9 : d * 2;
            }

            sum += d;
        }

        return sum;
    }

    /// <summary>A NIR from its 13 first characters (department may be 2A/2B), with its key.</summary>
    public static string Nir(string first13)
    {
        var numeric = first13.Replace("2A", "19", StringComparison.Ordinal).Replace("2B", "18", StringComparison.Ordinal);
        var key = 97 - (int)(BigInteger.Parse(numeric) % 97);
        return first13 + key.ToString("00");
    }

    /// <summary>An IBAN from country and BBAN, with its check digits.</summary>
    public static string Iban(string country, string bban)
    {
        var rearranged = bban + country + "00";
        var digits = string.Concat(rearranged.Select(c => char.IsAsciiLetter(c) ? (c - 'A' + 10).ToString() : c.ToString()));
        var check = 98 - (int)(BigInteger.Parse(digits) % 97);
        return country + check.ToString("00") + bban;
    }

    /// <summary>A French RIB (bank 5, branch 5, account 11 digits) with its key.</summary>
    public static string Rib(string bank, string branch, string account)
    {
        var key = 97 - (int)(((89 * BigInteger.Parse(bank)) + (15 * BigInteger.Parse(branch)) + (3 * BigInteger.Parse(account))) % 97);
        return bank + branch + account + key.ToString("00");
    }

    /// <summary>Groups a compact number in blocks of 4 separated by spaces.</summary>
    public static string Group4(string compact) => string.Join(' ', compact.Chunk(4).Select(c => new string(c)));

    /// <summary>Flips the last digit, making the check fail.</summary>
    public static string BreakLastDigit(string value) => value[..^1] + (char)('0' + ((value[^1] - '0' + 1) % 10));
}
