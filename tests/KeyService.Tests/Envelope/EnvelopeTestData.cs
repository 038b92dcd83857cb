using Sovereignty.KeyService.Envelope;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.Tests.Envelope;

/// <summary>Fixed data keys and helpers for format tests that need no HSM.</summary>
internal static class EnvelopeTestData
{
    public const int S = EnvelopeLayout.SegmentSize;

    public static readonly byte[] Dek = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    public static readonly byte[] OtherDek = Enumerable.Range(0, 32).Select(i => (byte)(0xA0 + i)).ToArray();

    public static readonly KeyReference Key = new("confidential-fr", "6b656b2d7631", 1);

    // The format treats the wrapped key as opaque provider bytes.
    public static readonly byte[] Wrapped = Enumerable.Range(0, 40).Select(i => (byte)(0xF0 ^ i)).ToArray();

    public static readonly EncryptionContext Context = EncryptionContext.Parse(["object=/sites/hr/contract.pdf", "label=confidential", "policy=3f2a"]);

    public static byte[] Plaintext(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static EnvelopeHeader Header(byte[]? dek = null, EncryptionContext? context = null) =>
        KeyService.Envelope.Envelope.CreateHeader(Key, Wrapped, context ?? Context, dek ?? Dek);

    public static byte[] Encrypt(byte[] plaintext, byte[]? dek = null, EncryptionContext? context = null)
    {
        dek ??= Dek;
        var header = Header(dek, context);
        using var output = new MemoryStream();
        KeyService.Envelope.Envelope.EncryptAsync(new MemoryStream(plaintext), output, header, dek, CancellationToken.None).GetAwaiter().GetResult();
        return output.ToArray();
    }

    /// <summary>Decrypts by pull with a small read buffer, returning what was released before any failure.</summary>
    public static (byte[] Released, KeyServiceException? Error) DecryptCollecting(byte[] envelope, byte[]? dek = null, int readSize = 4096)
    {
        var released = new MemoryStream();
        try
        {
            using var input = new MemoryStream(envelope);
            var header = KeyService.Envelope.Envelope.ReadHeaderAsync(input, CancellationToken.None).GetAwaiter().GetResult();
            using var plain = KeyService.Envelope.Envelope.OpenDecryptingStream(input, header, dek ?? Dek);
            var buffer = new byte[readSize];
            int read;
            while ((read = plain.Read(buffer, 0, buffer.Length)) > 0)
            {
                released.Write(buffer, 0, read);
            }

            return (released.ToArray(), null);
        }
        catch (KeyServiceException e)
        {
            return (released.ToArray(), e);
        }
    }

    public static byte[] Decrypt(byte[] envelope, byte[]? dek = null)
    {
        var (released, error) = DecryptCollecting(envelope, dek);
        return error is null ? released : throw error;
    }
}
