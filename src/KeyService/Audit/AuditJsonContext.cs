using System.Text.Json.Serialization;

namespace Sovereignty.KeyService.Audit;

/// <summary>Source-generated JSON for the few structured fields of stored events and the journal.</summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(SortedDictionary<string, string>))]
[JsonSerializable(typeof(JournalEntry))]
internal sealed partial class AuditJsonContext : JsonSerializerContext
{
}
