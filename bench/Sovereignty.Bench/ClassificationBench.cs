using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using DocumentFormat.OpenXml.Packaging;
using MimeKit;
using Sovereignty.Policies.Detection;
using Sovereignty.Policies.Extraction;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;
using W = DocumentFormat.OpenXml.Wordprocessing;

namespace Sovereignty.Bench;

/// <summary>
/// Classification throughput on one thread (= per core): every built-in detector over plain
/// text, and extraction + detection of a ~5 MB mail with docx, pdf and zip attachments,
/// beside a raw compiled <see cref="Regex"/> scan of the same text in the same run.
/// Usage: <c>classification [seconds-per-measurement=3] [text-megabytes=8]</c>.
/// </summary>
internal static class ClassificationBench
{
    // What a naive scanner would do: one compiled regex for digit runs and e-mail addresses,
    // no validation. The floor that validation and context rules are compared with.
    private static readonly Regex RawPattern = new(
        @"\d[\d .-]{7,}\d|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
        RegexOptions.Compiled | RegexOptions.CultureInvariant);

    public static int Run(string[] args)
    {
        if (args is ["--write-mail", var path, var scale])
        {
            var generated = MailSample.Build(seed: 7, scale: double.Parse(scale, CultureInfo.InvariantCulture));
            File.WriteAllBytes(path, generated);
            Console.WriteLine($"wrote {path}: {generated.Length / 1e6:0.0} MB");
            return 0;
        }

        if (args is ["--memory", var mailPath])
        {
            return PeakMemory(mailPath);
        }

        var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        var textMegabytes = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
        var detectors = BuiltInDetectors.CreateAll();
        // The default 4 Mi characters per part would truncate the plain-text corpus (and report
        // it unscannable); the benchmark raises that one limit so all of the text is scanned.
        var extractor = new ContentExtractor(ExtractionLimits.Default with { MaxTextCharsPerPart = 32 << 20 });

        var mail = MailSample.Build(seed: 7);
        WarmUp(detectors, extractor, mail);
        Console.WriteLine($"classification benchmark: {Environment.ProcessorCount} logical cores on this machine, measuring on 1 thread, {seconds:0.#} s per figure, .NET {Environment.Version}; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine();

        // 1. Plain text.
        var text = Corpus.Text(textMegabytes << 20, seed: 42);
        var textBytes = Encoding.UTF8.GetByteCount(text);
        var textContent = new ExtractedContent([new ContentPart("body", "text/plain", text)], [], [], []);
        var textFile = Encoding.UTF8.GetBytes(text);

        var raw = Measure(seconds, () => RawPattern.Count(text));
        var detect = Measure(seconds, () => ContentScanner.Scan(detectors, textContent).Hits.Count);
        var extractAndDetect = Measure(seconds, () =>
        {
            var content = extractor.ExtractDocument(new MemoryStream(textFile, writable: false), "note.txt", "text/plain");
            return ContentScanner.Scan(detectors, content).Hits.Count;
        });

        Console.WriteLine($"plain text: {textBytes / 1e6:0.0} MB (UTF-8), French prose with identifiers and look-alike numbers");
        if (args.Contains("--per-detector"))
        {
            foreach (var detector in detectors)
            {
                Report("  " + detector.Name, textBytes, Measure(seconds / 4, () => detector.Scan(text, "body").Count));
            }
        }

        Report("raw Regex scan (baseline, no validation)", textBytes, raw);
        Report("11 built-in detectors", textBytes, detect);
        Report("extraction + markings + 11 detectors", textBytes, extractAndDetect);
        if (args.Contains("--per-step"))
        {
            Report("  extraction only (copy, sniff, decode, markings)", textBytes, Measure(seconds / 2, () => extractor.ExtractDocument(new MemoryStream(textFile, writable: false), "note.txt", "text/plain").Parts.Count));
            Report("  UTF-8 decode only", textBytes, Measure(seconds / 2, () => Encoding.UTF8.GetString(textFile).Length));
            Report("  strict decode", textBytes, Measure(seconds / 2, () => Sovereignty.Policies.Extraction.Documents.DocumentReader.Decode(textFile).Length));
            Report("  copy into memory", textBytes, Measure(seconds / 2, () =>
            {
                using var copy = new MemoryStream(textFile.Length);
                new MemoryStream(textFile, writable: false).CopyTo(copy, 81920);
                return (int)copy.Length;
            }));
            Report("  markings", textBytes, Measure(seconds / 2, () => Sovereignty.Policies.Extraction.Labels.Markings.Find(text).Count));
        }

        Console.WriteLine();

        // 2. A ~5 MB mail with attachments (built before the warm-up, which uses it).
        var extracted = extractor.ExtractMessage(new MemoryStream(mail, writable: false));
        var mailText = extracted.Parts.Sum(p => (long)Encoding.UTF8.GetByteCount(p.Text));
        var allText = string.Join('\n', extracted.Parts.Select(p => p.Text));
        var mailRaw = Measure(seconds, () => RawPattern.Count(allText));
        var mailFull = Measure(seconds, () =>
        {
            var content = extractor.ExtractMessage(new MemoryStream(mail, writable: false));
            return ContentScanner.Scan(detectors, content).Hits.Count;
        });
        var mailExtractOnly = Measure(seconds, () => extractor.ExtractMessage(new MemoryStream(mail, writable: false)).Parts.Count);

        Console.WriteLine($"mail: {mail.Length / 1e6:0.00} MB MIME (text + HTML bodies, docx, pdf, zip of csv/txt); {extracted.Parts.Count} parts, {mailText / 1e6:0.00} MB of extracted text, {extracted.Unscannable.Count} unscannable");
        Report("raw Regex scan of the extracted text (baseline)", mailText, mailRaw);
        Report("parse + extract (no detectors), per MB of text", mailText, mailExtractOnly);
        Report("parse + extract + 11 detectors, per MB of text", mailText, mailFull);
        Report("parse + extract + 11 detectors, per MB of mail", mail.Length, mailFull);
        if (args.Contains("--per-step"))
        {
            // The two steps of one classification timed apart, in the same iterations.
            var extractCpu = new List<double>();
            var scanCpu = new List<double>();
            using var self = Process.GetCurrentProcess();
            for (var i = 0; i < 8; i++)
            {
                self.Refresh();
                var t0 = self.TotalProcessorTime;
                var content = extractor.ExtractMessage(new MemoryStream(mail, writable: false));
                self.Refresh();
                var t1 = self.TotalProcessorTime;
                ContentScanner.Scan(detectors, content);
                self.Refresh();
                extractCpu.Add((t1 - t0).TotalMilliseconds);
                scanCpu.Add((self.TotalProcessorTime - t1).TotalMilliseconds);
            }

            extractCpu.Sort();
            scanCpu.Sort();
            Console.WriteLine($"  one classification in two steps: extract {extractCpu[4]:0} ms CPU, then scan {scanCpu[4]:0} ms CPU (medians of 8)");
            Console.WriteLine("    sorted, ms CPU: " + string.Join(' ', extractCpu.Select(x => x.ToString("0", CultureInfo.InvariantCulture))) + " | " + string.Join(' ', scanCpu.Select(x => x.ToString("0", CultureInfo.InvariantCulture))));
        }

        if (args.Contains("--per-detector"))
        {
            Report("  11 detectors over the extracted text", mailText, Measure(seconds / 2, () => ContentScanner.Scan(detectors, extracted).Hits.Count));
            foreach (var detector in detectors)
            {
                Report("  " + detector.Name, mailText, Measure(seconds / 4, () => extracted.Parts.Sum(p => detector.Scan(p.Text, p.Location).Count)));
            }
        }

        if (args.Contains("--per-part"))
        {
            using var parsed = MimeMessage.Load(new MemoryStream(mail, writable: false));
            foreach (var attachment in parsed.Attachments.OfType<MimePart>())
            {
                using var decoded = new MemoryStream();
                attachment.Content?.DecodeTo(decoded);
                var bytes = decoded.ToArray();
                var name = attachment.FileName ?? "attachment";
                var textLength = extractor.ExtractDocument(new MemoryStream(bytes), name, null).Parts.Sum(p => (long)p.Text.Length);
                Report($"  extract {name} ({bytes.Length / 1e6:0.00} MB)", textLength, Measure(seconds / 2, () => extractor.ExtractDocument(new MemoryStream(bytes), name, null).Parts.Count));
            }

            var html = Encoding.UTF8.GetBytes(parsed.HtmlBody ?? string.Empty);
            Report($"  extract HTML body ({html.Length / 1e6:0.00} MB)", html.Length, Measure(seconds / 2, () => extractor.ExtractDocument(new MemoryStream(html), "body.html", "text/html").Parts.Count));
        }
        Console.WriteLine();

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine($"peak working set: {process.PeakWorkingSet64 / 1e6:0} MB (includes the {textBytes / 1e6:0} MB corpus held as UTF-16 string and bytes, and the mail); " +
            $"allocated per mail classification: {mailFull.AllocatedBytes / 1e6:0} MB; extraction limit on decoded bytes: {extractor.Limits.MaxTotalBytes / 1e6:0} MB");
        Console.WriteLine($"garbage collection per mail classification (mean over the iterations): {mailFull.Gc}; extraction only: {mailExtractOnly.Gc}");
        return 0;
    }

    /// <summary>
    /// Peak memory of classifying one mail read from a file (written by <c>--write-mail</c>,
    /// so the process never held the generator's objects): the process's VmHWM before and
    /// after one extraction + detection with the default limits.
    /// </summary>
    private static int PeakMemory(string path)
    {
        var mail = File.ReadAllBytes(path);
        var detectors = BuiltInDetectors.CreateAll();
        var extractor = new ContentExtractor();
        var before = VmHwm();
        var watch = Stopwatch.StartNew();
        var content = extractor.ExtractMessage(new MemoryStream(mail, writable: false));
        var hits = ContentScanner.Scan(detectors, content).Hits.Count;
        var elapsed = watch.Elapsed;
        var text = content.Parts.Sum(p => (long)Encoding.UTF8.GetByteCount(p.Text));
        Console.WriteLine($"mail {mail.Length / 1e6:0.0} MB: {content.Parts.Count} parts, {text / 1e6:0.0} MB of text, {content.Unscannable.Count} unscannable ({string.Join("; ", content.Unscannable.Select(u => u.Reason + ": " + u.Detail).Distinct())}), {hits} hits in {elapsed.TotalSeconds:0.00} s (first run, JIT included)");
        Console.WriteLine($"peak memory (VmHWM): {before / 1e6:0} MB after reading the file, {VmHwm() / 1e6:0} MB after classifying it; extraction limits: {extractor.Limits.MaxTotalBytes / 1e6:0} MB decoded bytes, {extractor.Limits.MaxTextCharsPerPart / 1e6:0.0} M chars per part");
        return 0;
    }

    private static long VmHwm()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>
    /// Runs every code path on small inputs until the JIT has promoted it to optimised
    /// (tier-1) code: a long benchmark iteration repeated only a few times would otherwise be
    /// measured largely on tier-0 code, which a long-running service never runs.
    /// </summary>
    private static void WarmUp(IReadOnlyList<IDetector> detectors, ContentExtractor extractor, byte[] fullSizeMail)
    {
        var text = Corpus.Text(64 << 10, seed: 1);
        var content = new ExtractedContent([new ContentPart("body", "text/plain", text)], [], [], []);
        var file = Encoding.UTF8.GetBytes(text);
        var mail = MailSample.Build(seed: 2, scale: 0.02);
        for (var i = 0; i < 60; i++)
        {
            RawPattern.Count(text);
            ContentScanner.Scan(detectors, content);
            ContentScanner.Scan(detectors, extractor.ExtractDocument(new MemoryStream(file, writable: false), "note.txt", "text/plain"));
            ContentScanner.Scan(detectors, extractor.ExtractMessage(new MemoryStream(mail, writable: false)));
        }

        // Tier-1 code is compiled in the background: give it time to be installed.
        Thread.Sleep(1000);

        // Then the measured mail itself, as many times: code reached only with large inputs, and
        // library code that goes through an instrumented tier before its final one, would still
        // be on its way to tier 1 during the first measurements (the mail figure came out ~2x
        // slower than extraction and detection measured later in the same process).
        for (var i = 0; i < 60; i++)
        {
            ContentScanner.Scan(detectors, extractor.ExtractMessage(new MemoryStream(fullSizeMail, writable: false)));
        }

        Thread.Sleep(1000);
    }

    // MB/s per core = bytes over the CPU time of the (single) measuring thread's process; the
    // wall-clock figure is shown too, as the machine may be shared.
    private static void Report(string what, long bytes, Measurement m)
    {
        Console.WriteLine($"  {what,-52} {bytes / 1e6 / m.MedianCpuSeconds,8:0.0} MB/s per core  (wall {bytes / 1e6 / m.MedianSeconds:0.0} MB/s; median of {m.Iterations}, {m.MedianCpuSeconds * 1000:0} ms CPU each; result {m.Result})");
    }

    private static Measurement Measure(double seconds, Func<int> work)
    {
        var result = work(); // warm-up (JIT, regex compilation)
        var times = new List<double>();
        var cpuTimes = new List<double>();
        long allocated = 0;
        var gcBefore = GcCounts.Now();
        using var process = Process.GetCurrentProcess();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds || times.Count < 3)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            result = work();
            times.Add(watch.Elapsed.TotalSeconds);
            process.Refresh();
            cpuTimes.Add((process.TotalProcessorTime - cpuBefore).TotalSeconds);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        var gc = GcCounts.Now().Minus(gcBefore, times.Count);
        times.Sort();
        cpuTimes.Sort();
        return new Measurement(times[times.Count / 2], cpuTimes[cpuTimes.Count / 2], times.Count, result, allocated, gc);
    }

    private sealed record Measurement(double MedianSeconds, double MedianCpuSeconds, int Iterations, int Result, long AllocatedBytes, GcCounts Gc);

    // Collections and pause time per iteration: CPU spent collecting counts in the MB/s figure.
    private readonly record struct GcCounts(double Gen0, double Gen1, double Gen2, double PauseMilliseconds)
    {
        public static GcCounts Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds);

        public GcCounts Minus(GcCounts before, int iterations) => new(
            (Gen0 - before.Gen0) / iterations, (Gen1 - before.Gen1) / iterations, (Gen2 - before.Gen2) / iterations, (PauseMilliseconds - before.PauseMilliseconds) / iterations);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Gen0:0.0} gen0 / {Gen1:0.0} gen1 / {Gen2:0.0} gen2 collections, {PauseMilliseconds:0.0} ms paused");
    }

    /// <summary>Deterministic French business prose with identifiers and numbers that only look like them.</summary>
    private static class Corpus
    {
        private static readonly string[] Words =
        [
            "le", "la", "les", "de", "du", "des", "et", "en", "un", "une", "pour", "avec", "sur", "dans", "par", "au", "aux",
            "courrier", "colis", "client", "dossier", "contrat", "facture", "adresse", "bureau", "agence", "service", "suivi",
            "livraison", "réclamation", "paiement", "compte", "relevé", "demande", "réponse", "référence", "numéro", "date",
            "Madame", "Monsieur", "Paris", "Lyon", "Marseille", "Bordeaux", "Lille", "Nantes", "envoi", "recommandé", "avis",
            "réception", "délai", "remboursement", "montant", "euros", "prélèvement", "mandat", "signature", "pièce", "jointe",
            "cordialement", "merci", "bonjour", "équipe", "direction", "régionale", "trimestre", "budget", "projet", "réunion",
        ];

        public static string Text(int approximateChars, int seed)
        {
            var random = new Random(seed);
            var identifiers = Identifiers();
            var builder = new StringBuilder(approximateChars + 1024);
            while (builder.Length < approximateChars)
            {
                var words = random.Next(8, 20);
                for (var i = 0; i < words; i++)
                {
                    if (i == 0)
                    {
                        var w = Words[random.Next(Words.Length)];
                        builder.Append(char.ToUpperInvariant(w[0])).Append(w, 1, w.Length - 1);
                    }
                    else
                    {
                        builder.Append(' ').Append(Words[random.Next(Words.Length)]);
                    }

                    var roll = random.Next(100);
                    if (roll < 4)
                    {
                        // Numbers of everyday mail: amounts, dates, tracking and order numbers.
                        builder.Append(' ').Append(roll switch
                        {
                            0 => $"{random.Next(1, 99999)},{random.Next(100):00} €",
                            1 => $"{random.Next(1, 29):00}/{random.Next(1, 13):00}/20{random.Next(20, 27)}",
                            2 => $"6A{random.NextInt64(100000000000, 999999999999)}",
                            _ => $"{random.NextInt64(100000000, 99999999999999)}",
                        });
                    }
                }

                builder.Append(". ");
                if (random.Next(40) == 0)
                {
                    builder.Append(identifiers[random.Next(identifiers.Length)]).Append(". ");
                }

                if (random.Next(6) == 0)
                {
                    builder.Append('\n');
                }
            }

            return builder.ToString();
        }

        private static string[] Identifiers()
        {
            var nir = "1850578006084";
            var nirKey = 97 - (int)(BigInteger.Parse(nir, CultureInfo.InvariantCulture) % 97);
            return
            [
                $"N° de sécurité sociale {nir}{nirKey:00}",
                "IBAN FR14 2004 1010 0505 0001 3M02 606",
                "IBAN DE89 3704 0044 0532 0130 00",
                "SIRET 356 000 000 00048",
                "TVA FR40303265045",
                "contact jean.dupont@laposte.fr",
                "tél. 01 23 45 67 89",
                "portable +33 6 12 34 56 78",
                "carte 4970 1012 3456 7899",
                "passeport n° 12AB34567",
            ];
        }
    }

    /// <summary>A realistic ~5 MB mail: bodies, a docx, a PDF and a zip, all generated here.</summary>
    private static class MailSample
    {
        public static byte[] Build(int seed, double scale = 1)
        {
            int Size(int chars) => (int)(chars * scale);
            var body = Corpus.Text(Size(500_000), seed);
            var builder = new BodyBuilder
            {
                TextBody = body,
                HtmlBody = "<html><body>" + string.Concat(body.Split('\n').Select(l => "<p>" + System.Net.WebUtility.HtmlEncode(l) + "</p>")) + "</body></html>",
            };
            builder.Attachments.Add("rapport.docx", Docx(Corpus.Text(Size(3_000_000), seed + 1)));
            builder.Attachments.Add("releve.pdf", Pdf(Corpus.Text(Size(900_000), seed + 2)), new MimeKit.ContentType("application", "pdf"));
            builder.Attachments.Add("export.zip", Zip(Corpus.Text(Size(3_500_000), seed + 3), Corpus.Text(Size(600_000), seed + 4)));

            using var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse("agent@laposte.fr"));
            message.To.Add(MailboxAddress.Parse("partenaire@example.com"));
            message.Subject = "Rapport trimestriel";
            message.Body = builder.ToMessageBody();
            using var stream = new MemoryStream();
            message.WriteTo(stream);
            return stream.ToArray();
        }

        private static byte[] Docx(string text)
        {
            using var stream = new MemoryStream();
            using (var document = WordprocessingDocument.Create(stream, DocumentFormat.OpenXml.WordprocessingDocumentType.Document))
            {
                var main = document.AddMainDocumentPart();
                main.Document = new W.Document(new W.Body(text.Split('\n').Select(p => new W.Paragraph(new W.Run(new W.Text(p))))));
            }

            return stream.ToArray();
        }

        private static byte[] Pdf(string text)
        {
            var builder = new PdfDocumentBuilder();
            var font = builder.AddStandard14Font(Standard14Font.Helvetica);
            PdfPageBuilder? page = null;
            var y = 0.0;
            foreach (var chunk in text.Chunk(90))
            {
                if (page is null || y < 40)
                {
                    page = builder.AddPage(595, 842);
                    y = 800;
                }

                // PdfPig writes the standard 14 fonts with ASCII glyphs only: drop the accents.
                page.AddText(Ascii(chunk), 9, new PdfPoint(30, y), font);
                y -= 12;
            }

            return builder.Build();
        }

        private static string Ascii(char[] chunk)
        {
            for (var i = 0; i < chunk.Length; i++)
            {
                chunk[i] = chunk[i] switch
                {
                    '\n' => ' ',
                    'é' or 'è' or 'ê' or 'ë' => 'e',
                    'É' or 'È' => 'E',
                    'à' or 'â' => 'a',
                    'ç' => 'c',
                    'î' or 'ï' => 'i',
                    'ô' => 'o',
                    'ù' or 'û' => 'u',
                    '€' => 'E',
                    > '~' => '?',
                    var c => c,
                };
            }

            return new string(chunk);
        }

        private static byte[] Zip(string csv, string notes)
        {
            using var stream = new MemoryStream();
            using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            {
                using (var writer = new StreamWriter(zip.CreateEntry("export/clients.csv").Open(), new UTF8Encoding(false)))
                {
                    writer.Write(csv.Replace(". ", ";\n", StringComparison.Ordinal));
                }

                using (var writer = new StreamWriter(zip.CreateEntry("export/notes.txt").Open(), new UTF8Encoding(false)))
                {
                    writer.Write(notes);
                }
            }

            return stream.ToArray();
        }
    }
}
