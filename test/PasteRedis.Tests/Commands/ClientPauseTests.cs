using System.Diagnostics;

namespace PasteRedis.Tests.Commands;

/// <summary>
/// CLIENT PAUSE / UNPAUSE over raw sockets: what a pause holds back (WRITE: writes and what
/// may write; ALL: everything), that held commands keep their order and run when the pause
/// runs out or is lifted, and how pauses combine. Error replies are in the differential corpus.
/// </summary>
[TestFixture]
public class ClientPauseTests : ServerFixture
{
    private static long Since(Stopwatch sw) => sw.ElapsedMilliseconds;

    [Test]
    public void WritePauseHoldsWritesInOrderAndLetsReadsThrough()
    {
        using var admin = Server.Raw();
        using var c = Server.Raw();
        Assert.That(c.Call("SET", "pause:k", "before"), Is.EqualTo("+OK"));
        Assert.That(admin.Call("CLIENT", "PAUSE", "1500", "WRITE"), Is.EqualTo("+OK"));
        var sw = Stopwatch.StartNew();
        Assert.That(c.Call("GET", "pause:k"), Is.EqualTo("$before"));
        Assert.That(c.Call("EVAL_RO", "return 1", "0"), Is.EqualTo(":1"));
        Assert.That(c.Call("EVAL", "#!lua flags=no-writes\nreturn 2", "0"), Is.EqualTo(":2"));
        Assert.That(Since(sw), Is.LessThan(1000), "reads are not held");

        // A write, then a read behind it in the same pipeline: both wait, in order.
        c.Send([.. RawClient.Command("SET", "pause:k", "after"), .. RawClient.Command("GET", "pause:k")]);
        Thread.Sleep(200);
        Assert.That(c.Available, Is.EqualTo(0), "nothing answered while the pause lasts");
        Assert.That(admin.Call("GET", "pause:k"), Is.EqualTo("$before"), "the held SET has not run");
        Assert.That(c.ReadReply(), Is.EqualTo("+OK"));
        Assert.That(c.ReadReply(), Is.EqualTo("$after"));
        Assert.That(Since(sw), Is.GreaterThanOrEqualTo(1450), "held until the pause ran out");

        // A read then a write in one pipeline: the read's reply leaves (committed, flushed) while the write waits.
        Assert.That(admin.Call("CLIENT", "PAUSE", "1500", "WRITE"), Is.EqualTo("+OK"));
        sw.Restart();
        c.Send([.. RawClient.Command("GET", "pause:k"), .. RawClient.Command("SET", "pause:k", "later")]);
        Assert.That(c.ReadReply(), Is.EqualTo("$after"));
        Assert.That(Since(sw), Is.LessThan(1000), "the read before the held write is answered at once");
        Assert.That(c.ReadReply(), Is.EqualTo("+OK"));
        Assert.That(Since(sw), Is.GreaterThanOrEqualTo(1450));

        foreach (var write in new[] { new[] { "PUBLISH", "pause:ch", "m" }, ["PFCOUNT", "pause:hll"], ["EVAL", "return 1", "0"], ["EXPIRE", "pause:k", "100"] })
        {
            Assert.That(admin.Call("CLIENT", "PAUSE", "400", "WRITE"), Is.EqualTo("+OK"));
            sw.Restart();
            c.Call(write);
            Assert.That(Since(sw), Is.GreaterThanOrEqualTo(350), string.Join(' ', write) + " may write: held");
        }
    }

    [Test]
    public void UnpauseRunsWhatWasHeldAtOnceAndAllHoldsEverything()
    {
        using var admin = Server.Raw();
        using var c = Server.Raw();
        Assert.That(admin.Call("CLIENT", "PAUSE", "5000", "WRITE"), Is.EqualTo("+OK"));
        var sw = Stopwatch.StartNew();
        c.Send(RawClient.Command("INCR", "pause:n"));
        Thread.Sleep(100);
        Assert.That(admin.Call("CLIENT", "UNPAUSE"), Is.EqualTo("+OK"));
        Assert.That(c.ReadReply(), Is.EqualTo(":1"));
        Assert.That(Since(sw), Is.LessThan(4000), "woken by UNPAUSE, not by the end of the pause");

        // ALL holds reads and PING too (and the pausing connection's own next command); QUIT is not held.
        Assert.That(admin.Call("CLIENT", "PAUSE", "600"), Is.EqualTo("+OK"));
        sw.Restart();
        Assert.That(c.Call("PING"), Is.EqualTo("+PONG"));
        Assert.That(Since(sw), Is.GreaterThanOrEqualTo(550));
        Assert.That(c.Call("NOSUCHCOMMAND"), Does.StartWith("-ERR unknown command"), "a refusal is not held");
        Assert.That(admin.Call("CLIENT", "PAUSE", "1500"), Is.EqualTo("+OK"));
        using (var leaving = Server.Raw())
        {
            sw.Restart();
            Assert.That(leaving.Call("QUIT"), Is.EqualTo("+OK"));
            Assert.That(Since(sw), Is.LessThan(1000));
        }
        Thread.Sleep(1550);
    }

    [Test]
    public void PausesCombineTheLaterEndAndTheStrongerKind()
    {
        using var admin = Server.Raw();
        using var c = Server.Raw();
        Assert.That(admin.Call("CLIENT", "PAUSE", "1000", "WRITE"), Is.EqualTo("+OK"));
        Assert.That(admin.Call("CLIENT", "PAUSE", "100", "ALL"), Is.EqualTo("+OK"));
        var sw = Stopwatch.StartNew();
        Assert.That(c.Call("GET", "pause:none"), Is.EqualTo("$nil"));
        Assert.That(Since(sw), Is.GreaterThanOrEqualTo(800), "ALL (the stronger) until 1000 ms (the later)");
        // A pause of 0 ms ends at once.
        Assert.That(admin.Call("CLIENT", "PAUSE", "0"), Is.EqualTo("+OK"));
        sw.Restart();
        Assert.That(c.Call("PING"), Is.EqualTo("+PONG"));
        Assert.That(Since(sw), Is.LessThan(1000));
    }
    private static long ExpiredKeys(RawClient c)
    {
        var info = c.Call("INFO", "stats");
        var line = info.Split("\r\n").First(l => l.StartsWith("expired_keys:", StringComparison.Ordinal));
        return long.Parse(line["expired_keys:".Length..]);
    }

    /// <summary>
    /// Redis 7.0 holds expiry under a pause (expireIfNeeded and activeExpireCycle check it):
    /// a key whose time passes reads as missing, but neither a read nor the cron deletes it
    /// (nothing is logged, DBSIZE still counts it) until the pause is lifted or runs out.
    /// Checked by hand against redis-server 7.0.15. (ALL holds expiry the same way, but also
    /// every command that could observe it.)
    /// </summary>
    [Test]
    public void ExpiryWaitsForThePauseToEnd()
    {
        using var admin = Server.Raw();
        using var c = Server.Raw();
        Assert.That(c.Call("SELECT", "14"), Is.EqualTo("+OK"));
        Assert.That(admin.Call("SELECT", "14"), Is.EqualTo("+OK"));
        foreach (var lifted in new[] { true, false })
        {
            Assert.That(c.Call("FLUSHDB"), Is.EqualTo("+OK"));
            for (int i = 0; i < 5; i++) Assert.That(c.Call("SET", "pause:ttl:" + i, "v", "PX", "150"), Is.EqualTo("+OK"));
            Assert.That(c.Call("SET", "pause:kept", "v"), Is.EqualTo("+OK"));
            long expiredBefore = ExpiredKeys(admin);
            Assert.That(admin.Call("CLIENT", "PAUSE", "1200", "WRITE"), Is.EqualTo("+OK"));
            Thread.Sleep(500); // past the keys' time: several cron passes (hz 10) would have deleted them
            Assert.That(c.Call("GET", "pause:ttl:0"), Is.EqualTo("$nil"), "an expired key reads as missing");
            Assert.That(c.Call("EXISTS", "pause:ttl:1"), Is.EqualTo(":0"));
            Assert.That(c.Call("TTL", "pause:ttl:2"), Is.EqualTo(":-2"));
            Assert.That(c.Call("KEYS", "pause:*"), Is.EqualTo("*[$pause:kept]"));
            Assert.That(c.Call("DBSIZE"), Is.EqualTo(":6"), "but nothing was deleted: not by the reads, not by the cron");
            Assert.That(ExpiredKeys(admin), Is.EqualTo(expiredBefore));
            if (lifted) Assert.That(admin.Call("CLIENT", "UNPAUSE"), Is.EqualTo("+OK"));
            else Thread.Sleep(800); // the pause runs out by itself
            var sw = Stopwatch.StartNew();
            while (c.Call("DBSIZE") != ":1" && sw.ElapsedMilliseconds < 5000) Thread.Sleep(20);
            Assert.That(c.Call("DBSIZE"), Is.EqualTo(":1"), (lifted ? "UNPAUSE" : "the end of the pause") + ": then the expired keys go");
            Assert.That(ExpiredKeys(admin), Is.EqualTo(expiredBefore + 5));
        }
        Assert.That(c.Call("FLUSHDB"), Is.EqualTo("+OK"));
    }
}
