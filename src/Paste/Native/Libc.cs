using System.Runtime.InteropServices;

namespace PasteRedis.Paste.Native;

/// <summary>The few libc calls the fallback mapping and the environment need.</summary>
internal static unsafe partial class Libc
{
    public const int ProtRead = 1, ProtWrite = 2;
    public const int MapShared = 1;
    public const int MsSync = 4;

    [LibraryImport("libc", SetLastError = true)]
    public static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int munmap(void* addr, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int msync(void* addr, nuint length, int flags);

    /// <summary>
    /// Native setenv: .NET's Environment.SetEnvironmentVariable does not reach getenv() on
    /// Unix, and libpmem2 reads PMEM2_FORCE_GRANULARITY with getenv().
    /// </summary>
    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int setenv(string name, string value, int overwrite);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int unsetenv(string name);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    public const int ORdOnly = 0, ODirectory = 0x10000;
    public const int MadvPopulateWrite = 23; // Linux 5.14+
    public const int MadvHugePage = 14;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int madvise(void* addr, nuint length, int advice);

    public static readonly nint MapFailed = -1;
}
