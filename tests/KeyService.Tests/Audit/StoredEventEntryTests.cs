using System.Text;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using StackExchange.Redis;

namespace Sovereignty.KeyService.Tests.Audit;

public sealed class StoredEventEntryTests
{
    [Fact]
    public void Fields_PackedRecord_SameFieldsAsFieldPerName()
    {
        var record = Sample();
        var packed = new StreamEntry(record.StreamId, [new NameValueEntry(StoredEventEntry.Field, StoredEventEntry.Pack(AuditRecordCodec.ToValues(record)))]);

        var fields = StoredEventEntry.Fields(packed);

        Assert.Equal(AuditRecordCodec.ToFields(record), fields);
        var decoded = AuditRecordCodec.TryDecode(record.StreamId, fields, out var error);
        Assert.Null(error);
        Assert.Equal(record.Hash, decoded!.Hash);
        Assert.Equal(record.Hash, AuditRecordCodec.ComputeHash(fields));
        Assert.Equal(["finance"], decoded.Groups);
    }

    [Fact]
    public void Fields_FieldPerNameEntry_ReadAsStored()
    {
        var record = Sample();
        var legacy = new StreamEntry(record.StreamId, [.. AuditRecordCodec.ToFields(record).Select(f => new NameValueEntry(f.Key, f.Value))]);

        Assert.Equal(AuditRecordCodec.ToFields(record), StoredEventEntry.Fields(legacy));
    }

    [Fact]
    public void Pack_NonAsciiValue_RoundTripsAsStored()
    {
        var record = Sample() with { Actor = "Zoë \"l'auditrice\" Lefèvre", ObjectId = "/docs/Prévisions 2027.xlsx" };
        var packed = StoredEventEntry.Pack(AuditRecordCodec.ToValues(record));

        Assert.Contains("Lefèvre", Encoding.UTF8.GetString(packed), StringComparison.Ordinal);
        var fields = StoredEventEntry.Fields(new StreamEntry(record.StreamId, [new NameValueEntry(StoredEventEntry.Field, packed)]));
        Assert.Equal(record.Actor, fields.Single(f => f.Key == "actor").Value);
        Assert.Equal(record.ObjectId, fields.Single(f => f.Key == "obj").Value);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"seq\":\"1\"}")]
    [InlineData("[\"1\",\"node\"]")]
    [InlineData("[1,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null]")]
    [InlineData("[\"1\",null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null]")]
    [InlineData("[\"1\",null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null] []")]
    public void Fields_MalformedPackedValue_DecodingNamesTheEntryAsMalformed(string value)
    {
        var fields = StoredEventEntry.Fields(new StreamEntry("1-1", [new NameValueEntry(StoredEventEntry.Field, value)]));

        Assert.Null(AuditRecordCodec.TryDecode("1-1", fields, out var error));
        Assert.Contains("not a JSON array", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fields_PackedValueWithInvalidUtf8_DecodingNamesTheEntryAsMalformed()
    {
        // Bytes a tamperer could write: a JSON string that is not UTF-8 must be a finding, not a crash.
        var packed = StoredEventEntry.Pack(AuditRecordCodec.ToValues(Sample()));
        var index = Array.IndexOf(packed, (byte)'a'); // inside "alice"
        packed[index] = 0xC3;
        packed[index + 1] = 0x28;

        var fields = StoredEventEntry.Fields(new StreamEntry("1-1", [new NameValueEntry(StoredEventEntry.Field, packed)]));

        Assert.Null(AuditRecordCodec.TryDecode("1-1", fields, out var error));
        Assert.Contains("not a JSON array", error, StringComparison.Ordinal);
    }

    private static AuditRecord Sample() => AuditRecordCodec.Create(
        new KeyEvent(KeyOperation.WrapDataKey, "confidential-fr", new KeyReference("confidential-fr", "k1", 2),
            new KeyUse { Actor = "alice", Groups = ["finance"], ObjectId = "/docs/a.pdf", CorrelationId = "c-1" }, KeyEventResult.Ok),
        "node-a", 7, DateTimeOffset.FromUnixTimeMilliseconds(1_764_374_400_000), AuditRecordCodec.GenesisHash, 1_764_374_400_000);
}
