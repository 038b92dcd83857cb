using Sovereignty.KeyService.Envelope;
using static Sovereignty.KeyService.Tests.Envelope.EnvelopeTestData;
using Codec = Sovereignty.KeyService.Envelope.Envelope;

namespace Sovereignty.KeyService.Tests.Envelope;

public class EnvelopeHeaderTests
{
    [Fact]
    public void TryReadHeader_EveryPrefix_NeedsMoreDataUntilComplete()
    {
        byte[] sealedBytes = Encrypt(Plaintext(10));
        var header = Header();
        for (int length = 0; length < header.Length; length++)
        {
            var status = Codec.TryReadHeader(sealedBytes.AsSpan(0, length), out var parsed, out int needed);
            Assert.Equal(EnvelopeHeaderStatus.NeedMoreData, status);
            Assert.Null(parsed);
            Assert.Equal(length < EnvelopeHeader.PrefixLength ? EnvelopeHeader.PrefixLength : header.Length, needed);
        }

        Assert.Equal(EnvelopeHeaderStatus.Complete, Codec.TryReadHeader(sealedBytes, out var complete, out int total));
        Assert.Equal(header.Length, total);
        Assert.Equal(Key, complete!.Key);
        Assert.Equal(Wrapped, complete.WrappedKey.ToArray());
        Assert.Equal(Context, complete.Context);
        Assert.Equal(["object", "label", "policy"], complete.Context.Select(e => e.Key));
    }

    [Theory]
    [InlineData("%PDF-1.7")]
    [InlineData("SVEN")]
    [InlineData("SVE")]
    [InlineData("S")]
    [InlineData("PK\u0003\u0004")]
    public void TryReadHeader_OtherData_IsNotAnEnvelopeOrNeedsMore(string start)
    {
        // A prefix of the magic cannot be decided from these bytes alone: only the caller
        // knows whether they are the whole object (then it is clear data) or more follows.
        byte[] data = System.Text.Encoding.ASCII.GetBytes(start);
        var status = Codec.TryReadHeader(data, out _, out _);
        Assert.Equal("SVEN".StartsWith(start, StringComparison.Ordinal) ? EnvelopeHeaderStatus.NeedMoreData : EnvelopeHeaderStatus.NotAnEnvelope, status);
    }

    [Theory]
    [InlineData("SVEN Larsson, CV")]
    [InlineData("SVEN\n")]
    [InlineData("SVENSSON")]
    [InlineData("SVEN\u0000")]
    [InlineData("SVEN\u0009\u0000\u0000\u0000")]
    public void TryReadHeader_MagicFollowedByUnreservedVersionByte_IsNotAnEnvelope(string start)
    {
        // Regression: a clear text file "SVEN Larsson, CV" was refused as a tampered envelope.
        byte[] data = System.Text.Encoding.ASCII.GetBytes(start);
        Assert.Equal(EnvelopeHeaderStatus.NotAnEnvelope, Codec.TryReadHeader(data, out var header, out _));
        Assert.Null(header);
    }

    [Fact]
    public void TryReadHeader_ReservedButUnknownVersion_ThrowsAsSoonAsTheVersionByteIsThere()
    {
        byte[] data = [.. "SVEN"u8, EnvelopeHeader.LastReservedVersion];
        var error = Assert.Throws<KeyServiceException>(() => Codec.TryReadHeader(data, out _, out _));
        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
        Assert.Contains($"version {EnvelopeHeader.LastReservedVersion}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadHeader_UnknownVersion_ThrowsInvalidDataNamingTheVersion()
    {
        byte[] sealedBytes = Encrypt(Plaintext(10));
        sealedBytes[4] = 2;
        var error = Assert.Throws<KeyServiceException>(() => Codec.TryReadHeader(sealedBytes, out _, out _));
        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
        Assert.Contains("version 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadHeader_LengthFieldBeyondMaximum_ThrowsMalformed()
    {
        byte[] sealedBytes = Encrypt(Plaintext(10));
        sealedBytes[5] = 0x7F;
        var error = Assert.Throws<KeyServiceException>(() => Codec.TryReadHeader(sealedBytes, out _, out _));
        Assert.Contains("malformed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadHeaderAsync_NotAnEnvelope_ThrowsInvalidData()
    {
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => Codec.ReadHeaderAsync(new MemoryStream("hello world"u8.ToArray()), CancellationToken.None));
        Assert.Contains("not a Sovereignty envelope", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<KeyServiceException>(() => Codec.ReadHeaderAsync(new MemoryStream([]), CancellationToken.None));
    }

    [Fact]
    public void CreateHeader_DataKeyOfWrongLength_Throws()
    {
        var error = Assert.Throws<KeyServiceException>(() => Codec.CreateHeader(Key, Wrapped, Context, new byte[16]));
        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
    }

    [Fact]
    public void CreateHeader_ContextTooLongForAHeader_ThrowsArgumentException()
    {
        var big = EncryptionContext.Create(Enumerable.Range(0, 64).Select(i => new KeyValuePair<string, string>($"k{i}", new string('x', 1024))));
        Assert.Throws<ArgumentException>(() => Codec.CreateHeader(Key, Wrapped, big, Dek));
    }

    [Fact]
    public void EncryptionContext_Parse_KeepsOrderAndRefusesBadItems()
    {
        var context = EncryptionContext.Parse(["b=2", "a=1=x", "c="]);
        Assert.Equal(["b", "a", "c"], context.Select(e => e.Key));
        Assert.Equal("1=x", context.Get("a"));
        Assert.Equal("", context.Get("c"));
        Assert.NotEqual(EncryptionContext.Parse(["a=1=x", "b=2", "c="]), context);
        Assert.Equal(EncryptionContext.Parse(["b=2", "a=1=x", "c="]), context);
        Assert.Throws<ArgumentException>(() => EncryptionContext.Parse(["novalue"]));
        Assert.Throws<ArgumentException>(() => EncryptionContext.Parse(["=value"]));
        Assert.Throws<ArgumentException>(() => EncryptionContext.Parse(["a=1", "a=2"]));
    }
}
