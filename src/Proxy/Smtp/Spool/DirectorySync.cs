using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;

namespace Sovereignty.Proxy.Smtp.Spool;

/// <summary>
/// fsync of a directory, so a rename or unlink in it survives a power loss. .NET has no
/// API for it (File.OpenHandle refuses directories), hence open/fsync/close from libc.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0;

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return; // Windows makes renames durable through NTFS's journal; there is no directory handle to flush.
        }

        var path = Encoding.UTF8.GetBytes(directory + "\0");
        var fd = NativeMethods.open(path, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open spool directory '{directory}' to flush it.", new Win32Exception(Marshal.GetLastPInvokeError()));
        }

        try
        {
            if (NativeMethods.fsync(fd) != 0)
            {
                throw new IOException($"fsync of spool directory '{directory}' failed.", new Win32Exception(Marshal.GetLastPInvokeError()));
            }
        }
        finally
        {
            _ = NativeMethods.close(fd);
        }
    }

    private static class NativeMethods
    {
#pragma warning disable SYSLIB1054 // LibraryImport would need AllowUnsafeBlocks for three trivial calls.
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int open(byte[] path, int flags);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int close(int fd);
#pragma warning restore SYSLIB1054
    }
}
