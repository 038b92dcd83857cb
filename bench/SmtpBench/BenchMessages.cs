using System.Globalization;
using System.Text;

namespace Sovereignty.Bench.Smtp;

/// <summary>
/// The mail the load generator sends: French business prose of a given size, optionally
/// with a CSV attachment (base64) that brings the message to about 1 MB. Each message gets
/// its own Message-ID; the rest of the bytes are built once per size and reused.
/// </summary>
internal static class BenchMessages
{
    private static readonly string[] s_words =
    [
        "courrier", "colis", "facture", "livraison", "client", "agence", "tournée", "réclamation",
        "contrat", "dossier", "suivi", "adresse", "bureau", "guichet", "service", "rapport",
        "le", "la", "les", "des", "pour", "avec", "dans", "sur", "une", "un", "et", "à", "de",
    ];

    /// <summary>Bytes of one message in SMTP DATA form (CRLF lines, dot-stuffed, without the final dot).</summary>
    public static byte[] Build(string kind, string from, string to, int seed)
    {
        var random = new Random(seed);
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"From: <{from}>\r\n");
        builder.Append(CultureInfo.InvariantCulture, $"To: <{to}>\r\n");
        builder.Append("Subject: Point hebdomadaire des tournées\r\n");
        builder.Append("Date: Sat, 28 Nov 2026 10:00:00 +0100\r\n");
        builder.Append("Message-ID: <@@MESSAGE-ID@@>\r\n");
        builder.Append("MIME-Version: 1.0\r\n");
        switch (kind)
        {
            case "20k":
                builder.Append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
                AppendProse(builder, random, 20_000 - builder.Length);
                break;
            case "1m":
                builder.Append("Content-Type: multipart/mixed; boundary=\"bench-boundary\"\r\n\r\n");
                builder.Append("--bench-boundary\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
                AppendProse(builder, random, 4_000);
                builder.Append("\r\n--bench-boundary\r\nContent-Type: text/csv; name=\"tournees.csv\"\r\n");
                builder.Append("Content-Disposition: attachment; filename=\"tournees.csv\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
                AppendBase64Lines(builder, Encoding.UTF8.GetBytes(Csv(random, 740_000)));
                builder.Append("--bench-boundary--\r\n");
                break;
            default:
                throw new ArgumentException($"Unknown message kind '{kind}' (20k or 1m).", nameof(kind));
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static void AppendProse(StringBuilder builder, Random random, int bytes)
    {
        var start = builder.Length;
        var line = 0;
        while (builder.Length - start < bytes)
        {
            builder.Append(s_words[random.Next(s_words.Length)]);
            if (++line % 12 == 0)
            {
                builder.Append(".\r\n");
            }
            else
            {
                builder.Append(' ');
            }
        }

        builder.Append("\r\n");
    }

    private static string Csv(Random random, int bytes)
    {
        var builder = new StringBuilder("date;agence;tournee;colis;montant\n");
        while (builder.Length < bytes)
        {
            builder.Append(CultureInfo.InvariantCulture,
                $"2026-11-{random.Next(1, 29):00};{s_words[random.Next(8)]};T{random.Next(1000, 9999)};{random.Next(1, 400)};{random.Next(10, 99999) / 100.0:0.00}\n");
        }

        return builder.ToString();
    }

    private static void AppendBase64Lines(StringBuilder builder, byte[] data)
    {
        var encoded = Convert.ToBase64String(data);
        for (var i = 0; i < encoded.Length; i += 76)
        {
            builder.Append(encoded, i, Math.Min(76, encoded.Length - i)).Append("\r\n");
        }
    }
}
