using System.Text.Json.Serialization;

namespace Sovereignty.Proxy.Smtp.Spool;

/// <summary>Source-generated JSON for the spool's metadata (no reflection, stable field names).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(SpoolEnvelope))]
[JsonSerializable(typeof(DeliveryState))]
internal sealed partial class SpoolJsonContext : JsonSerializerContext
{
}
