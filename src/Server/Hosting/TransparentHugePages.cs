using System.Globalization;
using System.Runtime.InteropServices;

namespace PasteRedis.Server.Hosting;

/// <summary>
/// disable-thp, as Redis's: transparent huge pages turned off for this process
/// (prctl PR_SET_THP_DISABLE), so that the kernel does not back its heap with 2 MB pages
/// (memory reported and touched in 4 KB steps; no compaction stalls). Linux only, at start,
/// for the server's own process; /proc/PID/status shows it (THP_enabled: 0).
/// Except where asked for (Linux 6.18+, PR_THP_DISABLE_EXCEPT_ADVISED): the packet-buffer
/// region and the log advise 2 MB pages (MADV_HUGEPAGE), as DAX NVMM maps them, and so does
/// the managed heap, where the keyspace lives (<see cref="AdviseManagedHeap"/>). On older
/// kernels the whole process goes without, the regions included (INFO pmem_huge_pages:no).
/// </summary>
internal static partial class TransparentHugePages
{
    private const int PrSetThpDisable = 41;
    private const nuint PrThpDisableExceptAdvised = 1 << 1;
    private const int MadvHugePage = 14;
    private const ulong HugePage = 2 << 20;

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [DllImport("libc", SetLastError = true)]
    private static extern int madvise(nint addr, nuint length, int advice);

    /// <summary>Turns them off when disable-thp is yes; returns why it could not, or null.</summary>
    public static string? Apply(Configuration.ServerConfig config)
    {
        if (config.Get("disable-thp") != "yes" || !OperatingSystem.IsLinux()) return null;
        if (prctl(PrSetThpDisable, 1, PrThpDisableExceptAdvised, 0, 0) == 0) return null;
        return prctl(PrSetThpDisable, 1, 0, 0, 0) == 0 ? null
            : $"Unable to disable transparent huge pages: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
    }

    /// <summary>Bytes of address space the managed heap advised for 2 MB pages (0: none, or not Linux).</summary>
    public static long ManagedHeapAdvisedBytes { get; private set; }

    /// <summary>
    /// Advises 2 MB pages for the garbage collector's address range (its regions are one
    /// reservation of GCRegionRange bytes; pages the collector commits later keep the advice).
    /// The keyspace's objects live there: a restart that loads a million keys touches a few
    /// hundred MB of fresh heap, and in a VM each 4 KB page's first touch costs microseconds
    /// (load of 1 M SETs: about a quarter of it). The range is found from where the heap's
    /// own objects lie: from the lowest of a small, a large and a pinned object (the
    /// reservation starts at or below it), up to GCRegionRange bytes, within the run of
    /// anonymous mappings that holds them. Returns the bytes advised.
    /// </summary>
    public static long AdviseManagedHeap()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        if (!GC.GetConfigurationVariables().TryGetValue("GCRegionRange", out var value) ||
            Convert.ToUInt64(value, CultureInfo.InvariantCulture) is var range && range == 0) return 0; // segments, not regions
        var small = new byte[16];
        var large = new byte[100_000];
        var pinned = GC.AllocateArray<byte>(16, pinned: true);
        var handles = new[] { GCHandle.Alloc(small, GCHandleType.Pinned), GCHandle.Alloc(large, GCHandleType.Pinned), GCHandle.Alloc(pinned, GCHandleType.Pinned) };
        try
        {
            ulong low = ulong.MaxValue;
            foreach (var h in handles) low = Math.Min(low, (ulong)h.AddrOfPinnedObject());
            if (!TryAnonymousRun(low, out ulong runStart, out ulong runEnd)) return 0;
            ulong start = Math.Max(runStart, low & ~(HugePage - 1));
            ulong end = Math.Min(runEnd, start + (range & ~(HugePage - 1)));
            if (end <= start || madvise((nint)start, (nuint)(end - start), MadvHugePage) != 0) return 0;
            return ManagedHeapAdvisedBytes = (long)(end - start);
        }
        catch (IOException) { return 0; }
        catch (UnauthorizedAccessException) { return 0; }
        finally
        {
            foreach (var h in handles) h.Free();
            GC.KeepAlive(small);
            GC.KeepAlive(large);
            GC.KeepAlive(pinned);
        }
    }

    /// <summary>The run of adjacent anonymous mappings (any protection: reserved or committed) around <paramref name="address"/>.</summary>
    private static bool TryAnonymousRun(ulong address, out ulong start, out ulong end)
    {
        start = end = 0;
        bool found = false;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // "start-end perms offset dev inode [path]": anonymous mappings have inode 0 and no path.
            var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 5) continue;
            int dash = parts[0].IndexOf('-');
            ulong a = ulong.Parse(parts[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            ulong b = ulong.Parse(parts[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            bool anonymous = parts[4] == "0" && (parts.Length == 5 || string.IsNullOrWhiteSpace(parts[5]));
            bool continues = anonymous && end != 0 && a == end;
            if (found && !continues) break;
            if (!anonymous) start = end = 0;
            else if (continues) end = b;
            else (start, end) = (a, b);
            if (anonymous && a <= address && address < b) found = true;
        }
        return found;
    }
}
