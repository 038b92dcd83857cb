using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sovereignty.KeyService.Audit;

namespace Sovereignty.Proxy.Audit;

/// <summary>How audit results are written: an aligned table for people, JSON and CSV for tools.</summary>
internal static class AuditFormats
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly string[] s_columns =
        ["time", "node", "seq", "actor", "operation", "key", "object", "result", "purpose", "policy", "client", "correlation"];

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static async Task WriteAsync(TextWriter output, IReadOnlyList<AuditRecord> records, string format)
    {
        switch (format)
        {
            case "json":
                await output.WriteLineAsync(JsonSerializer.Serialize(records, Json));
                break;
            case "csv":
                await output.WriteLineAsync(string.Join(',', s_columns.Append("groups").Append("address").Append("recipients").Append("error").Append("hash")));
                foreach (var r in records)
                {
                    var cells = Cells(r).Append(string.Join(' ', r.Groups)).Append(r.ClientAddress ?? "")
                        .Append(r.RecipientCount?.ToString(CultureInfo.InvariantCulture) ?? "").Append(r.ErrorCode ?? "").Append(r.Hash);
                    await output.WriteLineAsync(string.Join(',', cells.Select(Csv)));
                }

                break;
            default:
                await WriteTableAsync(output, [s_columns.Select(c => c.ToUpperInvariant()).ToArray(), .. records.Select(r => Cells(r).ToArray())]);
                await output.WriteLineAsync($"{records.Count} event{(records.Count == 1 ? "" : "s")}");
                break;
        }
    }

    public static async Task WriteTableAsync(TextWriter output, IReadOnlyList<string[]> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows)
        {
            await output.WriteLineAsync(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    public static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static IEnumerable<string> Cells(AuditRecord r) =>
    [
        Time(r.Timestamp),
        r.Node,
        r.Sequence.ToString(CultureInfo.InvariantCulture),
        r.Actor,
        r.Operation.ToString(),
        r.KeyVersion is { } v ? $"{r.KeyClass}:v{v.ToString(CultureInfo.InvariantCulture)}" : r.KeyClass,
        r.ObjectId ?? (r.RecipientCount is { } n ? $"({n.ToString(CultureInfo.InvariantCulture)} recipients)" : ""),
        r.ErrorCode is { } code ? $"{r.Result}:{code}" : r.Result.ToString(),
        r.Purpose ?? "",
        r.PolicyVersion ?? "",
        r.ClientSoftware ?? "",
        r.CorrelationId ?? "",
    ];

    /// <summary>One line per node, then the summary line auditors look for.</summary>
    public static string VerificationSummary(AuditVerification verification)
    {
        var text = new StringBuilder();
        foreach (var node in verification.Nodes)
        {
            if (node.Findings.Count == 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{node.Node}: intact, {node.Events} events (sequence {node.FirstSequence}-{node.LastSequence})");
                text.Append(node.LastCheckpoint is { } cp ? $", last checkpoint #{cp.Number} signed at {Time(cp.SignedAt)} by {cp.SigningKeyId}" : ", no checkpoint yet");
                if (node.UnsignedEvents > 0)
                {
                    text.Append(CultureInfo.InvariantCulture, $", {node.UnsignedEvents} newer events not yet under a checkpoint");
                }

                if (node.StartedAfter is { } anchor)
                {
                    text.Append(CultureInfo.InvariantCulture, $" (checked from checkpoint #{anchor.Number}, event {anchor.LastSequence + 1})");
                }

                text.AppendLine();
                continue;
            }

            foreach (var finding in node.Findings)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{node.Node}: {finding.Kind.ToString().ToUpperInvariant()}: {finding.Message}");
            }
        }

        if (verification.Intact)
        {
            var last = verification.Nodes.Select(n => n.LastCheckpoint).Where(c => c is not null).MaxBy(c => c!.SignedAt);
            text.Append(CultureInfo.InvariantCulture, $"intact, {verification.Events} events, ");
            text.Append(last is null ? "no checkpoint signed yet" : $"last checkpoint signed at {Time(last.SignedAt)}");
        }
        else
        {
            var findings = verification.Nodes.Sum(n => n.Findings.Count);
            text.Append(CultureInfo.InvariantCulture, $"NOT INTACT: {findings} finding{(findings == 1 ? "" : "s")} on {verification.Nodes.Count(n => n.Findings.Count > 0)} node(s)");
        }

        return text.ToString();
    }
}
