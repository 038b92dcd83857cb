using Sovereignty.KeyService.Audit;

namespace Sovereignty.KeyService.Tests.Audit;

public sealed class AuditRecordCodecTests
{
    private static AuditRecord Sample(IReadOnlyList<string>? recipients = null) =>
        AuditRecordCodec.Create(AuditTestKit.Event(recipients: recipients), "node-a", 7, AuditTestKit.Start, AuditRecordCodec.GenesisHash, AuditTestKit.Start.ToUnixTimeMilliseconds());

    [Fact]
    public void Create_SameInput_SameHash()
    {
        var evt = AuditTestKit.Event(correlation: "c1");
        var a = AuditRecordCodec.Create(evt, "n", 1, AuditTestKit.Start, AuditRecordCodec.GenesisHash, 1);
        var b = AuditRecordCodec.Create(evt, "n", 1, AuditTestKit.Start, AuditRecordCodec.GenesisHash, 1);
        Assert.Equal(a.Hash, b.Hash);
        Assert.Equal(64, a.Hash.Length);
    }

    [Fact]
    public void ComputeHash_AnyFieldChanged_HashChanges()
    {
        var fields = AuditRecordCodec.ToFields(Sample());
        var original = AuditRecordCodec.ComputeHash(fields);
        foreach (var name in AuditRecordCodec.HashedFields)
        {
            var index = fields.FindIndex(f => f.Key == name);
            var changed = new List<KeyValuePair<string, string>>(fields);
            if (index < 0)
            {
                changed.Add(new(name, "x"));
            }
            else
            {
                changed[index] = new(name, fields[index].Value + "x");
            }

            Assert.NotEqual(original, AuditRecordCodec.ComputeHash(changed));
        }
    }

    [Fact]
    public void ComputeHash_EmptyValueVersusAbsentField_Differ()
    {
        var fields = AuditRecordCodec.ToFields(Sample()).Where(f => f.Key != "err").ToList();
        var withEmpty = new List<KeyValuePair<string, string>>(fields) { new("err", "") };
        Assert.NotEqual(AuditRecordCodec.ComputeHash(fields), AuditRecordCodec.ComputeHash(withEmpty));
    }

    [Fact]
    public void ToFields_EmptyValue_NotStoredAndHashCoversItAsAbsent()
    {
        var record = Sample() with { ErrorCode = "" };
        record = record with { Hash = AuditRecordCodec.ComputeHash(AuditRecordCodec.ToValues(record)) };
        var fields = AuditRecordCodec.ToFields(record);
        Assert.DoesNotContain(fields, f => f.Key == "err");
        Assert.DoesNotContain(fields, f => f.Value.Length == 0);
        Assert.Equal(record.Hash, AuditRecordCodec.ComputeHash(fields));
    }

    [Fact]
    public void ToValues_Record_SameValuesAsToFieldsInStoredFieldOrder()
    {
        var record = Sample(["bob@example.org"]);
        var values = AuditRecordCodec.ToValues(record);
        var fields = AuditRecordCodec.ToFields(record);
        Assert.Equal(AuditRecordCodec.StoredFields.Length, values.Length);
        Assert.Equal(
            fields,
            AuditRecordCodec.StoredFields.Zip(values).Where(p => p.Second is not null).Select(p => new KeyValuePair<string, string>(p.First, p.Second!)));
        Assert.Equal(record.Hash, AuditRecordCodec.ComputeHash(values));
    }

    [Fact]
    public void Build_StreamIdOfAnotherSequence_Throws()
    {
        var record = Sample() with { StreamId = AuditRecordCodec.FormatStreamId(5, 8) };
        Assert.Throws<InvalidOperationException>(() => AppendScript.Build(new AuditKeys("p", "node-a"), [record], 6, 0));
    }

    [Fact]
    public void TryDecode_StoredFields_RoundTrips()
    {
        var record = Sample(["Bob@Example.org", "carol@example.org"]);
        var decoded = AuditRecordCodec.TryDecode(record.StreamId, AuditRecordCodec.ToFields(record), out var error);
        Assert.Null(error);
        Assert.NotNull(decoded);
        Assert.Equal(record.Hash, decoded.Hash);
        Assert.Equal(record.Groups, decoded.Groups);
        Assert.Equal(record.Detail, decoded.Detail);
        Assert.Equal(2, decoded.RecipientCount);
        Assert.Equal(AuditRecordCodec.HashRecipient("bob@example.org"), decoded.RecipientHashes[0]);
        Assert.Equal(record.Timestamp, decoded.Timestamp);
        Assert.Equal(record.KeyVersion, decoded.KeyVersion);
    }

    [Fact]
    public void ToFields_Recipients_NoAddressInClear()
    {
        var fields = AuditRecordCodec.ToFields(Sample(["bob@example.org"]));
        Assert.DoesNotContain(fields, f => f.Value.Contains("bob", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void TryDecode_UnknownField_Rejected()
    {
        var fields = AuditRecordCodec.ToFields(Sample());
        fields.Add(new("extra", "1"));
        Assert.Null(AuditRecordCodec.TryDecode("1-7", fields, out var error));
        Assert.Contains("extra", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecode_BadNumber_ReturnsError()
    {
        var fields = AuditRecordCodec.ToFields(Sample());
        var index = fields.FindIndex(f => f.Key == "seq");
        fields[index] = new("seq", "seven");
        Assert.Null(AuditRecordCodec.TryDecode("1-7", fields, out var error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData(new long[] { }, 0)]
    [InlineData(new long[] { 5 }, 5)]
    [InlineData(new long[] { 1, 9, 3 }, 3)]
    [InlineData(new long[] { 0, 0, 10, 20 }, 5)]
    public void Median_Values_MiddleValue(long[] values, double expected) =>
        Assert.Equal(expected, AuditStatisticsReader.Median(values));
}
