using System.Globalization;
using System.Text;
using PasteRedis.Server.Configuration;

namespace PasteRedis.Server.Diagnostics;

/// <summary>
/// LATENCY DOCTOR (Redis's createLatencyReport) over the events this server records
/// ("command", "fast-command", "expire-cycle"): per event its samples, average, mean absolute deviation,
/// period and all-time worst, computed as Redis's analyzeLatencyForEvent does, then
/// Redis's advice for those events in its words, and its one advice that needs no event:
/// transparent huge pages in use by the process.
/// </summary>
internal static class LatencyDoctor
{
    /// <summary>Redis's analyzeLatencyForEvent: samples, average and MAD (ms), period (seconds since the oldest sample, at least 1).</summary>
    public static (int Samples, long Average, long Mad, long Period) Analyze(LatencyMonitor.Series series, long nowSeconds)
    {
        int samples = 0;
        long sum = 0, oldest = 0;
        foreach (var (time, latency) in series.History())
        {
            samples++;
            sum += latency;
            if (oldest == 0 || time < oldest) oldest = time;
        }
        if (samples == 0) return (0, 0, 0, 0);
        long average = sum / samples;
        long period = Math.Max(1, nowSeconds - oldest), deviation = 0;
        foreach (var (_, latency) in series.History()) deviation += Math.Abs(average - latency);
        return (samples, average, deviation / samples, period);
    }

    public static string Report(LatencyMonitor monitor, ServerConfig config, long nowSeconds, long anonHugePages)
    {
        var inv = CultureInfo.InvariantCulture;
        if (monitor.Events.Count == 0 && config.LatencyMonitorThreshold == 0)
            return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";

        var sb = new StringBuilder();
        int eventNumber = 0, advices = 0;
        bool slowlogEnable = false, slowlogTune = false, slowlogInspect = false, largeObjects = false, scheduler = false, hz = false;
        foreach (var (name, series) in monitor.Events)
        {
            eventNumber++;
            if (eventNumber == 1)
                sb.Append("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
            var (samples, average, mad, period) = Analyze(series, nowSeconds);
            sb.Append(inv, $"{eventNumber}. {name}: {samples} latency spikes (average {average}ms, mean deviation {mad}ms, period {(samples == 0 ? 0 : (double)period / samples):F2} sec). Worst all time event {series.Max}ms.");
            if (name == "command")
            {
                if (config.SlowlogLogSlowerThan < 0 || config.SlowlogMaxLen == 0)
                {
                    slowlogEnable = true;
                    advices++;
                }
                else if (config.SlowlogLogSlowerThan / 1000 > config.LatencyMonitorThreshold)
                {
                    slowlogTune = true;
                    advices++;
                }
                slowlogInspect = largeObjects = true;
                advices += 2;
            }
            if (name == "fast-command")
            {
                scheduler = true;
                advices++;
            }
            if (name == "expire-cycle")
            {
                hz = true;
                largeObjects = true;
                advices += 2;
            }
            sb.Append('\n');
        }
        bool hugePages = anonHugePages > 0;
        if (hugePages) advices++;

        if (eventNumber == 0 && advices == 0)
            return sb.Append("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n").ToString();
        if (advices == 0)
            return sb.Append("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n").ToString();

        sb.Append("\nI have a few advices for you:\n\n");
        long thresholdUs = config.LatencyMonitorThreshold * 1000;
        if (slowlogEnable)
            sb.Append(inv, $"- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {thresholdUs}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n");
        if (slowlogTune)
            sb.Append(inv, $"- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {thresholdUs}'.\n");
        if (slowlogInspect)
            sb.Append("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
        if (scheduler)
            sb.Append("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n")
              .Append("  1) Lower the system load.\n")
              .Append("  2) Use a computer / VM just for Redis if you are running other software in the same system.\n")
              .Append("  3) Check if you have a \"noisy neighbour\" problem.\n")
              .Append("  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n")
              .Append("  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n");
        if (hz && config.Hz < 100)
            sb.Append("- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n");
        if (largeObjects)
            sb.Append("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
        if (hugePages)
            sb.Append("- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it to /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n");
        return sb.ToString();
    }

    /// <summary>Bytes of anonymous huge pages in this process (Redis's THPGetAnonHugePagesSize); 0 where the kernel does not say.</summary>
    public static long AnonHugePages()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/smaps_rollup"))
                if (line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
                    return long.Parse(line["AnonHugePages:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }
}
