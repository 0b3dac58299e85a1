using System.Globalization;
using System.Text;

namespace PasteRedis.Server.Memory;

/// <summary>
/// MEMORY DOCTOR (Redis's getMemoryDoctorReport) over <see cref="MemoryOverhead"/>. Redis's
/// checks that mean the same here keep its thresholds and words: an instance with too
/// little data to judge, a peak above 150 % of the heap now, more than 1000 cached
/// scripts. Its allocator and RSS checks are about jemalloc and become the .NET GC's
/// fragmentation (the heap over its live objects); client buffers are the replies queued
/// for clients. One check is this server's own: packet buffers pinned by few live bytes.
/// </summary>
internal static class MemoryDoctor
{
    private const long Empty = 5L << 20, Significant = 10L << 20;

    public static string Report(RedisServer server)
    {
        var m = MemoryOverhead.Of(server);
        var issues = new List<string>();
        // The data lives in the heap's growth and in the packet buffers; Redis asks for 5 MB of it.
        bool empty = m.NetUsage + m.PbufsAllocated < Empty;
        if (!empty)
        {
            if ((double)m.PeakAllocated / Math.Max(1, m.TotalAllocated) > 1.5)
                issues.Add("Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.");
            if (m.AllocatorFragmentation > 1.4 && m.AllocatorFragmentationBytes > Significant)
                issues.Add(string.Create(CultureInfo.InvariantCulture,
                    $"High heap fragmentation: The .NET heap is {m.AllocatorFragmentation:F2} times the size of the objects alive in it ({m.AllocatorFragmentationBytes} bytes of gaps). The garbage collector compacts the heap when it judges it worthwhile; MEMORY PURGE runs a compacting collection now and returns the freed memory to the system."));
            int clients = server.Clients.Count;
            if (clients > 0 && m.ClientsNormal / clients > 200 * 1024)
                issues.Add("Big client buffers: The clients' queued replies average more than 200 KB per client. This may be due to clients that do not read their replies (a subscriber that stopped reading, a MONITOR) or to commands with very large replies. Check CLIENT LIST and consider lowering client-output-buffer-limit.");
            if (server.ScriptsIfStarted is { Count: > 1000 })
                issues.Add("Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of your memory.");
            if (server.Memory is { } paste && m.PbufsAllocated > Significant)
            {
                long live = paste.Pool.TotalLiveBytes();
                double amplification = (double)m.PbufsAllocated / Math.Max(1, live);
                if (amplification > 2)
                    issues.Add(string.Create(CultureInfo.InvariantCulture,
                        $"Packet buffers: Values keep {m.PbufsAllocated} bytes of packet buffers pinned for {live} bytes of live values (space amplification {amplification:F2}): a buffer stays pinned while any value received in it lives, so overwritten and deleted values leave mostly-dead buffers behind. A log compaction (BGREWRITEAOF) moves the values out of them into dense buffers."));
            }
        }
        if (empty)
            return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
        if (issues.Count == 0)
            return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
        var sb = new StringBuilder("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
        foreach (var issue in issues) sb.Append(" * ").Append(issue).Append("\n\n");
        sb.Append("I'm here to keep you safe, Sam. I want to help you.\n");
        return sb.ToString();
    }
}
