using System.Diagnostics;
using System.Globalization;

namespace Sovereignty.Proxy.Cli;

internal static partial class EnvelopeCommands
{
    /// <summary>Draws <c>name [#####-----] 42% 1.2 GB / 2.9 GB</c> on standard error, at most ten times a second.</summary>
    private sealed class ProgressReporter(string name, long? total)
    {
        private const int Width = 30;
        private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
        private long _done;

        public void Advance(int bytes)
        {
            _done += bytes;
            if (_sinceDraw.ElapsedMilliseconds >= 100)
            {
                Draw();
                _sinceDraw.Restart();
            }
        }

        public void Finish(bool completed)
        {
            if (completed)
            {
                Draw();
            }

            Console.Error.Write("\r\x1b[K");
        }

        private void Draw()
        {
            string text = total is long t and > 0
                ? string.Create(CultureInfo.InvariantCulture, $"{name} [{new string('#', (int)(Width * _done / t)).PadRight(Width, '-')}] {100 * _done / t,3}% {Size(_done)} / {Size(t)}")
                : $"{name} {Size(_done)}";
            Console.Error.Write("\r" + text + "\x1b[K");
        }

        private static string Size(long bytes) => bytes >= 1L << 30
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MiB");
    }

    /// <summary>A read-only pass-through that reports bytes read to a <see cref="ProgressReporter"/>.</summary>
    private sealed class ProgressStream(Stream inner, ProgressReporter progress) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            progress.Advance(n);
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken);
            progress.Advance(n);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
