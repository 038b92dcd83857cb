using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Sovereignty.KeyService.Envelope;
using Sovereignty.KeyService.Keys;
using Codec = Sovereignty.KeyService.Envelope.Envelope;

namespace Sovereignty.Bench.Envelope;

/// <summary>
/// Peak memory (VmHWM, the process's maximum resident set) while encrypting a generated
/// plaintext of N MiB to a temp file and decrypting that file again through the stream
/// APIs; the decrypted bytes are hashed and compared with the plaintext's hash. Run it
/// once per size (VmHWM is per process) to show memory does not grow with size.
/// Usage: <c>envelope-memory [MiB, default 2048]</c>. The temp file is deleted.
/// </summary>
internal static class EnvelopeMemoryBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        long mib = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 2048;
        long bytes = mib << 20;
        byte[] dek = RandomNumberGenerator.GetBytes(32);
        var header = Codec.CreateHeader(new KeyReference("bench", "00", 1), RandomNumberGenerator.GetBytes(40), EncryptionContext.Parse(["object=/bench"]), dek);
        string path = Path.Combine(Path.GetTempPath(), $"sovereignty-bench-{Guid.NewGuid():N}.env");
        Console.WriteLine($"envelope-memory: {mib} MiB plaintext; VmHWM at start {VmHwmMiB():N1} MiB");
        try
        {
            byte[] expected;
            var watch = Stopwatch.StartNew();
            await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous))
            await using (var plaintext = new HashingReadStream(new PatternStream(bytes)))
            {
                await Codec.EncryptAsync(plaintext, output, header, dek, CancellationToken.None);
                expected = plaintext.Hash();
            }

            Console.WriteLine($"encrypt: {new FileInfo(path).Length:N0} bytes in {watch.Elapsed.TotalSeconds:N1} s; VmHWM {VmHwmMiB():N1} MiB");

            watch.Restart();
            using var sink = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan))
            {
                var read = await Codec.ReadHeaderAsync(input, CancellationToken.None);
                await Codec.DecryptAsync(input, new HashingWriteStream(sink), read, dek, CancellationToken.None);
            }

            bool same = sink.GetHashAndReset().AsSpan().SequenceEqual(expected);
            Console.WriteLine($"decrypt: {watch.Elapsed.TotalSeconds:N1} s, plaintext {(same ? "identical" : "DIFFERENT")}; VmHWM {VmHwmMiB():N1} MiB");
            Console.WriteLine($"peak resident memory (VmHWM) for {mib} MiB: {VmHwmMiB():N1} MiB");
            return same ? 0 : 1;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The process's peak resident set size, from /proc/self/status.</summary>
    internal static double VmHwmMiB()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    private sealed class HashingReadStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public byte[] Hash() => _hash.GetHashAndReset();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            _hash.AppendData(buffer[..n]);
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class HashingWriteStream(IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => hash.AppendData(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => hash.AppendData(buffer);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            hash.AppendData(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
