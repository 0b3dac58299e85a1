using System.Runtime.InteropServices;

namespace PasteRedis.Server.Hosting.Loop;

/// <summary>
/// The Linux calls the event loop makes: epoll, accept4, recv, readv, writev, eventfd. Nothing
/// is marshalled; buffers are passed as pointers the callers pin for the call.
/// </summary>
internal static unsafe partial class Epoll
{
    public const uint In = 0x001, Out = 0x004, Err = 0x008, Hup = 0x010, RdHup = 0x2000;
    public const int CtlAdd = 1, CtlDel = 2, CtlMod = 3;
    public const int Cloexec = 0x80000, NonBlock = 0x800;
    public const int EAgain = 11, EIntr = 4, EConnAborted = 103;
    public const int MsgNoSignal = 0x4000;

    /// <summary>
    /// struct epoll_event: packed (12 bytes) on x86-64, naturally aligned (16) elsewhere.
    /// </summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = EventSize == 12 ? 4 : 8;

    public static uint EventsAt(byte* events, int i) => *(uint*)(events + i * EventSize);
    public static ulong DataAt(byte* events, int i) => *(ulong*)(events + i * EventSize + DataOffset);

    /// <summary>Adds, changes or removes <paramref name="fd"/>'s interest; -1 with errno on failure.</summary>
    public static int Control(int epfd, int op, int fd, uint events, ulong data)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + DataOffset) = data;
        return epoll_ctl(epfd, op, fd, ev);
    }

    public static bool Supported => OperatingSystem.IsLinux();

    public static int Errno => Marshal.GetLastPInvokeError();

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int accept4(int fd, void* addr, void* addrLen, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint readv(int fd, IoVec* iov, int count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint writev(int fd, IoVec* iov, int count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }
}
