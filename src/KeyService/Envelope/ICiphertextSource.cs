namespace Sovereignty.KeyService.Envelope;

/// <summary>
/// Where a stored envelope can be read by byte range: a local file, or an upstream
/// document store reached with HTTP <c>Range</c> requests, so random access fetches only
/// the segments a plaintext range touches.
/// </summary>
public interface ICiphertextSource
{
    /// <summary>Total envelope length in bytes (header included).</summary>
    long Length { get; }

    /// <summary>
    /// Opens a stream that yields the envelope bytes from <paramref name="offset"/> on, at
    /// least <paramref name="count"/> of them unless the envelope is shorter (the reader
    /// stops after <paramref name="count"/> bytes).
    /// </summary>
    ValueTask<Stream> OpenReadAsync(long offset, long count, CancellationToken cancellationToken);
}

/// <summary>An envelope in a local file.</summary>
public sealed class FileCiphertextSource : ICiphertextSource
{
    private readonly string _path;

    /// <summary>Reads from <paramref name="path"/>; the length is taken now.</summary>
    public FileCiphertextSource(string path)
    {
        _path = path;
        Length = new FileInfo(path).Length;
    }

    /// <inheritdoc/>
    public long Length { get; }

    /// <inheritdoc/>
    public ValueTask<Stream> OpenReadAsync(long offset, long count, CancellationToken cancellationToken)
    {
        var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        stream.Seek(offset, SeekOrigin.Begin);
        return ValueTask.FromResult<Stream>(stream);
    }
}

/// <summary>An envelope held in memory.</summary>
public sealed class MemoryCiphertextSource(byte[] envelope) : ICiphertextSource
{
    /// <inheritdoc/>
    public long Length => envelope.Length;

    /// <inheritdoc/>
    public ValueTask<Stream> OpenReadAsync(long offset, long count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, envelope.Length);
        int length = (int)Math.Min(count, envelope.Length - offset);
        return ValueTask.FromResult<Stream>(new MemoryStream(envelope, (int)offset, length, writable: false));
    }
}
