using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace PasteRedis.Server.Diagnostics;

/// <summary>
/// The clock that times every command (INFO commandstats, SLOWLOG, LATENCY). Stopwatch
/// costs ~33 ns a reading on this kind of VM (clock_gettime through the vDSO and a P/Invoke),
/// read once per command that is 5 % of a pipelined GET; the CPU's time-stamp counter
/// costs ~10 ns. .NET has no intrinsic for RDTSC, so on x86-64 Linux with an invariant TSC
/// (constant_tsc and nonstop_tsc: it ticks at one rate, across cores and sleep states)
/// the four instructions are placed in an executable page of their own and called through
/// a function pointer; its rate is measured against Stopwatch at start-up. Anywhere else
/// (other CPUs, no invariant TSC, a system that refuses executable memory) it is Stopwatch.
/// This type owns that page; nothing else here is unsafe.
/// </summary>
internal static unsafe partial class CycleClock
{
    // rdtsc; shl rdx, 32; or rax, rdx; ret
    private static ReadOnlySpan<byte> ReadTsc => [0x0F, 0x31, 0x48, 0xC1, 0xE2, 0x20, 0x48, 0x09, 0xD0, 0xC3];

    private static readonly delegate* unmanaged[SuppressGCTransition]<long> Tsc = Create();

    /// <summary>Ticks of <see cref="Now"/> per second.</summary>
    public static readonly double Frequency = Tsc == null ? Stopwatch.Frequency : Calibrate();

    /// <summary>Which clock this process uses (INFO server).</summary>
    public static string Source => Tsc == null ? "monotonic" : "tsc";

    public static long Now() => Tsc != null ? Tsc() : Stopwatch.GetTimestamp();

    private static delegate* unmanaged[SuppressGCTransition]<long> Create()
    {
        try
        {
            if (!OperatingSystem.IsLinux() || !X86Base.X64.IsSupported || !InvariantTsc() || !KernelClockIsTsc()) return null;
            const int protRead = 1, protWrite = 2, protExec = 4, mapPrivate = 2, mapAnonymous = 0x20;
            void* page = mmap(null, 4096, protRead | protWrite, mapPrivate | mapAnonymous, -1, 0);
            if (page == (void*)-1) return null;
            ReadTsc.CopyTo(new Span<byte>(page, ReadTsc.Length));
            if (mprotect(page, 4096, protRead | protExec) != 0)
            {
                munmap(page, 4096);
                return null;
            }
            return (delegate* unmanaged[SuppressGCTransition]<long>)page; // held for the life of the process
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The kernel keeps time with the TSC only when it found it in step across cores.</summary>
    private static bool KernelClockIsTsc() =>
        File.ReadAllText("/sys/devices/system/clocksource/clocksource0/current_clocksource").Trim() == "tsc";

    private static bool InvariantTsc()
    {
        foreach (var line in File.ReadLines("/proc/cpuinfo"))
        {
            if (!line.StartsWith("flags", StringComparison.Ordinal)) continue;
            var flags = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return flags.Contains("constant_tsc") && flags.Contains("nonstop_tsc");
        }
        return false;
    }

    /// <summary>
    /// The TSC's rate against Stopwatch over 20 ms. Each end is the tightest of a few
    /// (TSC, Stopwatch, TSC) readings, so a preemption between two readings cannot skew it:
    /// the error is the bracket's width over 20 ms, a few parts per million.
    /// </summary>
    private static double Calibrate()
    {
        var (sw0, tsc0) = Pair();
        Thread.Sleep(20);
        var (sw1, tsc1) = Pair();
        return (double)(tsc1 - tsc0) * Stopwatch.Frequency / (sw1 - sw0);
    }

    private static (long Stopwatch, long Tsc) Pair()
    {
        (long, long) best = default;
        long width = long.MaxValue;
        for (int i = 0; i < 16; i++)
        {
            long before = Tsc();
            long sw = Stopwatch.GetTimestamp();
            long after = Tsc();
            if (after - before >= width) continue;
            width = after - before;
            best = (sw, before + width / 2);
        }
        return best;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mprotect(void* addr, nuint length, int prot);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(void* addr, nuint length);
}
