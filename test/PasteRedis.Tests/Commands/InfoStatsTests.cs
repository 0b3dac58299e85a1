using System.Text;
using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Commands;

/// <summary>
/// INFO's counters that monitoring reads (Redis 7 names): error replies in total and by
/// code (errorstats), bytes sent, and the cluster section. A server of its own, so no other
/// test's errors or bytes are counted.
/// </summary>
[TestFixture]
public class InfoStatsTests : ServerFixture
{
    private static long Field(string info, string name) =>
        long.Parse(Regex.Match(info, $@"(?m)^{name}:(\d+)\r$").Groups[1].Value);

    [Test]
    public void ErrorRepliesAreCountedByCodeAndResetByConfigResetstat()
    {
        using var c = new RawClient(Server.Port);
        Assert.That(c.Call("CONFIG", "RESETSTAT"), Is.EqualTo("+OK"));
        c.Call("SET", "s", "text");
        Assert.That(c.Call("INCR", "s"), Does.StartWith("-ERR value is not an integer"));
        Assert.That(c.Call("LPUSH", "s", "x"), Does.StartWith("-WRONGTYPE"));
        Assert.That(c.Call("NOSUCHCOMMAND"), Does.StartWith("-ERR unknown command"));
        Assert.That(c.Call("GET", "s"), Is.EqualTo("$text"));

        var errors = c.Call("INFO", "errorstats");
        Assert.That(errors, Does.Contain("# Errorstats\r\nerrorstat_ERR:count=2\r\nerrorstat_WRONGTYPE:count=1"), errors);
        Assert.That(Field(c.Call("INFO", "stats"), "total_error_replies"), Is.EqualTo(3));
        Assert.That(c.Call("INFO"), Does.Contain("# Errorstats\r\n").And.Contain("# Cluster\r\ncluster_enabled:0\r\n"),
            "the default INFO has errorstats and cluster, as Redis 7's");

        Assert.That(c.Call("CONFIG", "RESETSTAT"), Is.EqualTo("+OK"));
        Assert.That(c.Call("INFO", "errorstats"), Is.EqualTo("$# Errorstats\r\n"));
        Assert.That(Field(c.Call("INFO", "stats"), "total_error_replies"), Is.EqualTo(0));
    }

    private static double Kbps(string info, string name) =>
        double.Parse(Regex.Match(info, $@"(?m)^{name}:(\d+\.\d\d)\r$").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// instantaneous_input_kbps and _output_kbps: the rate of the last second, not a total.
    /// A client sends (and gets back) about 1 MB a second for two seconds: both read hundreds
    /// of KB/s meanwhile, and fall back to under 1 KB/s once it is quiet.
    /// </summary>
    [Test]
    public void InstantaneousKbpsFollowsTheTraffic()
    {
        using var admin = new RawClient(Server.Port);
        using var busy = new RawClient(Server.Port);
        var value = new string('k', 100 * 1024);
        var until = DateTime.UtcNow.AddSeconds(2.2);
        double input = 0, output = 0;
        while (DateTime.UtcNow < until)
        {
            busy.Call("SET", "kbps", value);
            busy.Call("GET", "kbps");
            Thread.Sleep(100);
            var info = admin.Call("INFO", "stats");
            (input, output) = (Math.Max(input, Kbps(info, "instantaneous_input_kbps")), Math.Max(output, Kbps(info, "instantaneous_output_kbps")));
        }
        Assert.That(input, Is.GreaterThan(300), "about 1 MB/s in");
        Assert.That(output, Is.GreaterThan(300), "about 1 MB/s out");
        Thread.Sleep(2500);
        var quiet = admin.Call("INFO", "stats");
        Assert.That(Kbps(quiet, "instantaneous_input_kbps"), Is.LessThan(1));
        Assert.That(Kbps(quiet, "instantaneous_output_kbps"), Is.LessThan(50), "the INFO replies themselves");
    }

    /// <summary>
    /// Active expiry as Redis 7's: 30 000 keys expiring unread are deleted within seconds
    /// (sampling goes on while more than 10 % of a sample had expired, within a time limit).
    /// expired_stale_perc estimates, as a running average over the cycles, the share of keys
    /// with a TTL found expired; it rises while they expire and falls back once they are gone,
    /// on this server and on redis-server alike. expire_cycle_cpu_milliseconds only grows.
    /// </summary>
    [Test]
    public void ExpiredStalePercRisesWhileKeysExpireUnreadAndFallsBack()
    {
        using var redis = new Tools.ReferenceRedis("stale-perc");
        foreach (var (name, port) in new[] { ("redis-server", redis.Port), ("ours", Server.Port) })
        {
            using var c = new RawClient(port);
            double Stale() => double.Parse(Regex.Match(c.Call("INFO", "stats"), @"expired_stale_perc:(\d+\.\d\d)").Groups[1].Value,
                System.Globalization.CultureInfo.InvariantCulture);
            long CycleMs() => Field(c.Call("INFO", "stats"), "expire_cycle_cpu_milliseconds");
            c.Call("SELECT", "5"); // a database of its own: the fixture's other tests leave keys in 0
            c.Call("FLUSHDB");
            long cpuBefore = CycleMs();
            var frame = new System.IO.MemoryStream();
            for (int i = 0; i < 30_000; i++) frame.Write(RawClient.Command("SET", $"stale:{port}:{i}", "v", "PX", "200"));
            c.Send(frame.ToArray());
            for (int i = 0; i < 30_000; i++) c.ReadReply();
            // Sampled for two seconds at least (the peak may come after the keys are gone), and until they are.
            double peak = 0;
            var started = DateTime.UtcNow;
            while (DateTime.UtcNow < started.AddSeconds(8) && (DateTime.UtcNow < started.AddSeconds(2) || c.Call("DBSIZE") != ":0"))
            {
                peak = Math.Max(peak, Stale());
                Thread.Sleep(20);
            }
            // At the 200 samples a cycle this server once took, 30 000 keys needed 15 s.
            Assert.That(c.Call("DBSIZE"), Is.EqualTo(":0"), $"{name}: 30 000 expired keys deleted in the background within seconds");
            // A cycle that finds every sampled key expired moves the average (5 % weight) to 5.00;
            // a fast machine may delete all 30 000 in that one cycle.
            Assert.That(peak, Is.GreaterThanOrEqualTo(5), $"{name}: most sampled keys were expired");
            Assert.That(Field(c.Call("INFO", "stats"), "expired_time_cap_reached_count"), Is.GreaterThanOrEqualTo(0), $"{name}");
            Thread.Sleep(2500);
            Assert.That(Stale(), Is.LessThan(peak / 2), $"{name}: the average decays once nothing is stale");
            Assert.That(CycleMs(), Is.GreaterThanOrEqualTo(cpuBefore), name);
        }
    }

    /// <summary>clients_in_timeout_table counts the blocked clients that have a timeout, as Redis's does.</summary>
    [Test]
    public void ClientsInTimeoutTableCountsBlockedClientsWithATimeout()
    {
        using var redis = new Tools.ReferenceRedis("timeout-table");
        foreach (var port in new[] { redis.Port, Server.Port })
        {
            using var admin = new RawClient(port);
            var waiting = new[] { "5", "5", "0" }.Select(t =>
            {
                var c = new RawClient(port);
                c.Send(RawClient.Command("BLPOP", "timeout-table:" + Guid.NewGuid().ToString("N"), t));
                return c;
            }).ToList();
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (Field(admin.Call("INFO", "clients"), "blocked_clients") < 3 && DateTime.UtcNow < deadline) Thread.Sleep(10);
            var info = admin.Call("INFO", "clients");
            Assert.That(Field(info, "blocked_clients"), Is.EqualTo(3), $"port {port}");
            Assert.That(Field(info, "clients_in_timeout_table"), Is.EqualTo(2), $"port {port}: the 0 timeout waits forever");
            foreach (var c in waiting) c.Dispose();
        }
    }

    [Test]
    public void TrafficOfClosedConnectionsStaysCountedUntilConfigResetstat()
    {
        using var c = new RawClient(Server.Port);
        var first = c.Call("INFO", "stats");
        using (var other = new RawClient(Server.Port)) Assert.That(other.Call("PING"), Is.EqualTo("+PONG"));
        Thread.Sleep(300); // the other connection closes
        var second = c.Call("INFO", "stats");
        Assert.That(Field(second, "total_reads_processed") - Field(first, "total_reads_processed"), Is.EqualTo(2), "its PING and this INFO");
        Assert.That(Field(second, "total_writes_processed") - Field(first, "total_writes_processed"), Is.EqualTo(2), "its PONG and the first INFO's reply");
        Assert.That(Field(second, "total_net_output_bytes") - Field(first, "total_net_output_bytes"),
            Is.GreaterThan(first.Length + "+PONG\r\n".Length - 1));

        Assert.That(c.Call("CONFIG", "RESETSTAT"), Is.EqualTo("+OK"));
        var reset = c.Call("INFO", "stats");
        Assert.That(Field(reset, "total_reads_processed"), Is.EqualTo(1), "only this INFO since the reset");
        Assert.That(Field(reset, "total_writes_processed"), Is.EqualTo(1), "only the reset's reply");
        Assert.That(Field(reset, "total_net_output_bytes"), Is.EqualTo("+OK\r\n".Length));
    }

    [Test]
    public void MemoryPeakAndSystemMemory()
    {
        using var c = new RawClient(Server.Port);
        var before = c.Call("INFO", "memory");
        // Grow the managed heap: a 4 MB value is kept in ordinary memory (APPEND computes it).
        Assert.That(c.Call("APPEND", "big", new string('x', 4 << 20)), Is.EqualTo($":{4 << 20}"));
        var after = c.Call("INFO", "memory");
        Assert.That(Field(after, "used_memory_peak"), Is.GreaterThanOrEqualTo(Field(after, "used_memory")), after);
        Assert.That(Field(after, "used_memory"), Is.GreaterThan(4 << 20), "the value is held in the managed heap");
        Assert.That(Field(after, "used_memory_peak"), Is.GreaterThanOrEqualTo(Field(before, "used_memory_peak")), "a peak never goes down");
        Assert.That(c.Call("DEL", "big"), Is.EqualTo(":1"));
        Assert.That(Field(after, "total_system_memory"), Is.GreaterThan(Field(after, "used_memory_rss")), after);
    }

    [Test]
    public void TrafficIsCountedExactly()
    {
        using var c = new RawClient(Server.Port);
        // INFO's own reply is counted when it is sent: the next reading includes it.
        var first = c.Call("INFO", "stats");
        Assert.That(c.Call("PING"), Is.EqualTo("+PONG"));
        var second = c.Call("INFO", "stats");
        // Between the readings: the PING and the second INFO were read; the first INFO's reply and the PONG were written.
        Assert.That(Field(second, "total_reads_processed") - Field(first, "total_reads_processed"), Is.EqualTo(2));
        Assert.That(Field(second, "total_writes_processed") - Field(first, "total_writes_processed"), Is.EqualTo(2));
        int firstReplyBytes = Encoding.ASCII.GetByteCount($"${first.Length - 1}\r\n{first[1..]}\r\n");
        Assert.That(Field(second, "total_net_output_bytes") - Field(first, "total_net_output_bytes"),
            Is.EqualTo(firstReplyBytes + "+PONG\r\n".Length));
        Assert.That(Field(second, "total_net_input_bytes") - Field(first, "total_net_input_bytes"),
            Is.EqualTo(RawClient.Command("INFO", "stats").Length + RawClient.Command("PING").Length), "the first INFO is counted once processed, the second not yet");
    }
}
