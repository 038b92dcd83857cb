namespace Sovereignty.Proxy.Smtp.Spool;

/// <summary>
/// Exclusive right to deliver, change or delete one queued message: an exclusive
/// <c>flock</c> on <c>locks/ID.lock</c> (what .NET takes for <see cref="FileShare.None"/>
/// on Unix). The kernel drops it when the holder exits, even on <c>kill -9</c>, so there
/// are no stale leases to expire, and two workers, in one process or two, never hold the
/// same message at once.
/// </summary>
/// <remarks>
/// Lock files are deleted only with their message (in <see cref="SpoolStore.Remove"/>),
/// never on release: deleting a lock file that another opener may already hold a
/// descriptor to would let two holders lock two different inodes of the same name.
/// </remarks>
internal sealed class SpoolLease : IDisposable
{
    private readonly FileStream _lock;

    private SpoolLease(string id, string path, FileStream lockStream)
    {
        Id = id;
        LockPath = path;
        _lock = lockStream;
    }

    public string Id { get; }

    public string LockPath { get; }

    public static SpoolLease? TryAcquire(string id, string path)
    {
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            return new SpoolLease(id, path, stream);
        }
        catch (IOException)
        {
            return null; // held by another worker or process
        }
    }

    public void Dispose() => _lock.Dispose();
}
