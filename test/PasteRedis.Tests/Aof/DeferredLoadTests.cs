using System.Text;
using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Aof;

/// <summary>
/// A load indexes the log's plain SETs instead of executing them and builds their objects
/// afterwards, in the background, while the server already serves (Keyspace/DeferredStrings).
/// Every command must see a deferred key exactly as if it had been replayed: reads, writes,
/// renames, counts, walks of the keyspace, a rewrite, a flush, and the next restart. Real
/// server processes; the background build slowed with deferred-build-delay (the testing aid
/// beside Redis's key-load-delay) so that the commands meet keys not built yet.
/// </summary>
[TestFixture]
public class DeferredLoadTests
{
    private const int Keys = 3000;

    /// <summary>Keys k0..k2999 = v0.., then an overwrite, a delete, a counter, a list and a value of 5000 bytes.</summary>
    private static string WriteAndStop()
    {
        var dir = ServerInstance.NewDataDir();
        using var server = ServerProcess.Start(ServerInstance.FreePort(), "--dir", dir, "--pbuf-memory", "64mb");
        using var raw = new RawClient(server.Port);
        var batch = new StringBuilder();
        for (int i = 0; i < Keys; i++) batch.Append(Encoding.ASCII.GetString(RawClient.Command("SET", $"k{i}", $"v{i}")));
        raw.Send(batch.ToString());
        for (int i = 0; i < Keys; i++) Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
        Assert.That(raw.Call("SET", "k5", "overwritten"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("DEL", "k6"), Is.EqualTo(":1"));
        Assert.That(raw.Call("SET", "n", "10"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("RPUSH", "list", "a", "b"), Is.EqualTo(":2"));
        Assert.That(raw.Call("SET", "big", new string('b', 5000)), Is.EqualTo("+OK"));
        Assert.That(raw.Call("SET", "list2", "string first"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("DEL", "list2"), Is.EqualTo(":1"));
        Assert.That(raw.Call("RPUSH", "list2", "x"), Is.EqualTo(":1"));
        server.Signal("TERM");
        Assert.That(server.WaitForExit(15000), Is.True, server.Output);
        return dir;
    }

    private const int Written = Keys - 1 + 4; // k6 deleted; n, list, big, list2

    private static long Deferred(RawClient raw)
    {
        var m = Regex.Match(raw.Call("INFO", "persistence"), @"loading_deferred_keys:(\d+)");
        Assert.That(m.Success, Is.True, "INFO persistence has loading_deferred_keys");
        return long.Parse(m.Groups[1].Value);
    }

    [Test]
    public void CommandsOnKeysNotBuiltYetSeeTheReplayedValues()
    {
        var dir = WriteAndStop();
        using (var server = ServerProcess.Start(ServerInstance.FreePort(), "--dir", dir, "--pbuf-memory", "64mb", "--deferred-build-delay", "2000"))
        using (var raw = new RawClient(server.Port))
        {
            Assert.That(Deferred(raw), Is.GreaterThan(Keys - 200), "the plain SETs were deferred and the build is slow");
            Assert.That(raw.Call("DBSIZE"), Is.EqualTo($":{Written}"), "deferred keys count");
            Assert.That(raw.Call("GET", "k1"), Is.EqualTo("$v1"));
            Assert.That(raw.Call("GET", "k5"), Is.EqualTo("$overwritten"), "the last SET wins");
            Assert.That(raw.Call("EXISTS", "k6"), Is.EqualTo(":0"), "a deleted key stays deleted");
            Assert.That(raw.Call("INCR", "n"), Is.EqualTo(":11"));
            Assert.That(raw.Call("APPEND", "k2", "x"), Is.EqualTo(":3"));
            Assert.That(raw.Call("STRLEN", "big"), Is.EqualTo(":5000"));
            Assert.That(raw.Call("LRANGE", "list", "0", "-1"), Is.EqualTo("*[$a,$b]"));
            Assert.That(raw.Call("LRANGE", "list2", "0", "-1"), Is.EqualTo("*[$x]"), "a SET, a DEL and an RPUSH of one key keep their order");
            Assert.That(raw.Call("TYPE", "k3"), Is.EqualTo("+string"));
            Assert.That(raw.Call("SETNX", "k7", "new"), Is.EqualTo(":0"), "a deferred key exists");
            Assert.That(raw.Call("SET", "k14", "nx", "NX"), Is.EqualTo("$nil"));
            Assert.That(raw.Call("GET", "k7"), Is.EqualTo("$v7"));
            Assert.That(raw.Call("RENAME", "k8", "k9"), Is.EqualTo("+OK"));
            Assert.That(raw.Call("GET", "k9"), Is.EqualTo("$v8"));
            Assert.That(raw.Call("EXISTS", "k8"), Is.EqualTo(":0"));
            Assert.That(raw.Call("EXPIRE", "k10", "1000"), Is.EqualTo(":1"));
            Assert.That(int.Parse(raw.Call("TTL", "k10")[1..]), Is.InRange(990, 1000));
            Assert.That(raw.Call("DEL", "k11"), Is.EqualTo(":1"));
            Assert.That(raw.Call("COPY", "k12", "k12copy"), Is.EqualTo(":1"));
            Assert.That(raw.Call("MOVE", "k13", "1"), Is.EqualTo(":1"));
            Assert.That(raw.Call("SET", "k15", "new"), Is.EqualTo("+OK"));
            Assert.That(raw.Call("GETDEL", "k16"), Is.EqualTo("$v16"));
            // k8 renamed over k9, k11 and k16 deleted, k12copy added, k13 moved to db 1.
            const int now = Written - 1 - 2 + 1 - 1;
            Assert.That(raw.Call("DBSIZE"), Is.EqualTo($":{now}"));
            Assert.That(Deferred(raw), Is.GreaterThan(Keys / 2), "the commands above met keys the build had not reached");

            var keys = raw.Call("KEYS", "k1*");
            Assert.That(keys.Split(',').Length, Is.EqualTo(1 + 10 + 100 + 1000 - 3 + 1), "KEYS walks every key (k11, k13, k16 gone; k12copy)");
            Assert.That(Deferred(raw), Is.Zero, "a walk of the keyspace builds every deferred key first");
            Assert.That(raw.Call("DBSIZE"), Is.EqualTo($":{now}"));
            server.Signal("TERM");
            Assert.That(server.WaitForExit(15000), Is.True, server.Output);
        }
        using var again = ServerProcess.Start(ServerInstance.FreePort(), "--dir", dir, "--pbuf-memory", "64mb");
        using var check = new RawClient(again.Port);
        Assert.That(check.Call("DBSIZE"), Is.EqualTo($":{Written - 1 - 2 + 1 - 1}"), again.Output);
        Assert.That(check.Call("MGET", "k2", "k5", "k7", "k8", "k9", "k12copy", "k15", "n"),
            Is.EqualTo("*[$v2x,$overwritten,$v7,$nil,$v8,$v12,$new,$11]"));
        Assert.That(check.Call("SELECT", "1"), Is.EqualTo("+OK"));
        Assert.That(check.Call("GET", "k13"), Is.EqualTo("$v13"));
    }

    [Test]
    public void ARewriteAndAFlushMeetDeferredKeys()
    {
        var dir = WriteAndStop();
        using (var server = ServerProcess.Start(ServerInstance.FreePort(), "--dir", dir, "--pbuf-memory", "64mb", "--deferred-build-delay", "2000"))
        using (var raw = new RawClient(server.Port))
        {
            Assert.That(Deferred(raw), Is.GreaterThan(Keys - 200));
            Compaction.Run(raw);
            Assert.That(Deferred(raw), Is.Zero, "a rewrite builds every deferred key before its walk");
            server.Signal("TERM");
            Assert.That(server.WaitForExit(15000), Is.True, server.Output);
        }
        using (var server = ServerProcess.Start(ServerInstance.FreePort(), "--dir", dir, "--pbuf-memory", "64mb", "--deferred-build-delay", "2000"))
        using (var raw = new RawClient(server.Port))
        {
            Assert.That(raw.Call("DBSIZE"), Is.EqualTo($":{Written}"), "the rewritten log holds every key\n" + server.Output);
            Assert.That(raw.Call("MGET", "k0", "k5", "k2999", "n"), Is.EqualTo("*[$v0,$overwritten,$v2999,$10]"));
            Assert.That(raw.Call("STRLEN", "big"), Is.EqualTo(":5000"));
            Assert.That(Deferred(raw), Is.GreaterThan(Keys - 200), "the rewrite's base records of strings are plain SETs: deferred too");
            Assert.That(raw.Call("FLUSHALL"), Is.EqualTo("+OK"));
            Assert.That(Deferred(raw), Is.Zero);
            Assert.That(raw.Call("DBSIZE"), Is.EqualTo(":0"));
            Assert.That(raw.Call("GET", "k0"), Is.EqualTo("$nil"));
            server.Signal("TERM");
            Assert.That(server.WaitForExit(15000), Is.True, server.Output);
        }
        using var again = ServerProcess.Start(ServerInstance.FreePort(), "--dir", dir, "--pbuf-memory", "64mb");
        using var check = new RawClient(again.Port);
        Assert.That(check.Call("DBSIZE"), Is.EqualTo(":0"), again.Output);
    }

    [Test]
    public void TheBackgroundBuildFinishesOnItsOwn()
    {
        var dir = WriteAndStop();
        using var server = ServerProcess.Start(ServerInstance.FreePort(), "--dir", dir, "--pbuf-memory", "64mb");
        using var raw = new RawClient(server.Port);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Deferred(raw) > 0 && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.That(Deferred(raw), Is.Zero, server.Output);
        Assert.That(server.Output, Does.Match(@"Objects of the keys deferred by the load built: \d+ in the background"));
        Assert.That(raw.Call("DBSIZE"), Is.EqualTo($":{Written}"));
        Assert.That(raw.Call("GET", "k2999"), Is.EqualTo("$v2999"));
        Assert.That(raw.Call("RANDOMKEY"), Does.StartWith("$"));
    }
}
