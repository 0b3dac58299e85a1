using System.Runtime.InteropServices;

namespace PasteRedis.Server.Hosting;

/// <summary>
/// disable-thp, as Redis's: transparent huge pages turned off for this process
/// (prctl PR_SET_THP_DISABLE), so that the kernel does not back its heap with 2 MB pages
/// (memory reported and touched in 4 KB steps; no compaction stalls). Linux only, at start,
/// for the server's own process; /proc/PID/status shows it (THP_enabled: 0).
/// Except where asked for (Linux 6.18+, PR_THP_DISABLE_EXCEPT_ADVISED): the packet-buffer
/// region and the log advise 2 MB pages (MADV_HUGEPAGE), as DAX NVMM maps them. On older
/// kernels the whole process goes without, the regions included (INFO pmem_huge_pages:no).
/// </summary>
internal static partial class TransparentHugePages
{
    private const int PrSetThpDisable = 41;
    private const nuint PrThpDisableExceptAdvised = 1 << 1;

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>Turns them off when disable-thp is yes; returns why it could not, or null.</summary>
    public static string? Apply(Configuration.ServerConfig config)
    {
        if (config.Get("disable-thp") != "yes" || !OperatingSystem.IsLinux()) return null;
        if (prctl(PrSetThpDisable, 1, PrThpDisableExceptAdvised, 0, 0) == 0) return null;
        return prctl(PrSetThpDisable, 1, 0, 0, 0) == 0 ? null
            : $"Unable to disable transparent huge pages: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
    }
}
