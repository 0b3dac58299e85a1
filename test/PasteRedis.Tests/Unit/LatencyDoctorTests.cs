using PasteRedis.Server.Configuration;
using PasteRedis.Server.Diagnostics;

namespace PasteRedis.Tests.Unit;

/// <summary>
/// LATENCY DOCTOR's arithmetic and advice, against what redis-server 7.0.15 printed: two
/// "command" spikes of 200 and 300 ms a second apart, read a second after the first, with
/// latency-monitor-threshold 100 and the default slow log. (Commands/DiagnosticsTests runs
/// the real servers side by side, numbers aside.)
/// </summary>
[TestFixture]
public class LatencyDoctorTests
{
    private static ServerConfig Config(params (string Name, string Value)[] settings)
    {
        var config = new ServerConfig();
        foreach (var (name, value) in settings) Assert.That(config.TrySet(name, value, atStartup: false), Is.Null);
        return config;
    }

    [Test]
    public void TwoCommandSpikesReadAsRedisPrintedThem()
    {
        var monitor = new LatencyMonitor();
        monitor.Add("command", 200, 1_796_053_698);
        monitor.Add("command", 300, 1_796_053_699);
        var report = LatencyDoctor.Report(monitor, Config(("latency-monitor-threshold", "100")), 1_796_053_700, anonHugePages: 0);
        Assert.That(report, Is.EqualTo(
            "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n" +
            "1. command: 2 latency spikes (average 250ms, mean deviation 50ms, period 1.00 sec). Worst all time event 300ms.\n" +
            "\nI have a few advices for you:\n\n" +
            "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n" +
            "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n"));
    }

    [Test]
    public void AdviceFollowsTheEventsTheSlowLogAndHugePages()
    {
        var silent = new LatencyMonitor();
        Assert.That(LatencyDoctor.Report(silent, Config(), 100, 0), Does.StartWith("I'm sorry, Dave, I can't do that. Latency monitoring is disabled"));
        Assert.That(LatencyDoctor.Report(silent, Config(("latency-monitor-threshold", "5")), 100, 0),
            Does.StartWith("Dave, no latency spike was observed"));
        Assert.That(LatencyDoctor.Report(silent, Config(("latency-monitor-threshold", "5")), 100, 2 << 20),
            Is.EqualTo("\nI have a few advices for you:\n\n- I detected a non zero amount of anonymous huge pages used by your process." +
                " This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it to /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n"));

        var monitor = new LatencyMonitor();
        monitor.Add("command", 30, 1000);
        monitor.Add("fast-command", 12, 1000);
        monitor.Add("fast-command", 18, 1003);
        var off = LatencyDoctor.Report(monitor, Config(("latency-monitor-threshold", "10"), ("slowlog-log-slower-than", "-1")), 1010, 0);
        Assert.That(off, Does.Contain("2. fast-command: 2 latency spikes (average 15ms, mean deviation 3ms, period 5.00 sec). Worst all time event 18ms.\n"));
        Assert.That(off, Does.Contain("'CONFIG SET slowlog-log-slower-than 10000'. If the Slow log is disabled"));
        Assert.That(off, Does.Contain("- The system is slow to execute Redis code paths not containing system calls."));
        var coarse = LatencyDoctor.Report(monitor, Config(("latency-monitor-threshold", "10"), ("slowlog-log-slower-than", "50000")), 1010, 0);
        Assert.That(coarse, Does.Contain("only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than 10000'."));
        Assert.That(coarse, Does.Not.Contain("If the Slow log is disabled"));
    }
}
