namespace PasteRedis.Tests.Aof;

/// <summary>Every write command survives a restart: the keyspace after recovery is the one before.</summary>
[TestFixture]
public class RecoveryTests
{
    /// <summary>One of every write command, across databases, with relative and absolute TTLs.</summary>
    internal static void RunEveryWriteCommand(RawClient raw)
    {
        long inAnHour = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600;
        string[][] script =
        [
            ["SET", "s:plain", "hello"],
            ["SET", "s:ex", "v", "EX", "1000"],
            ["SET", "s:px", "v", "PX", "2000000"],
            ["SET", "s:exat", "v", "EXAT", inAnHour.ToString()],
            ["SET", "s:pxat", "v", "PXAT", (inAnHour * 1000 + 7).ToString()],
            ["SET", "s:keepttl", "a", "EX", "500"], ["SET", "s:keepttl", "b", "KEEPTTL"],
            ["SET", "s:nx", "first", "NX"], ["SET", "s:nx", "second", "NX"],
            ["SET", "s:xx", "x", "XX"],
            ["SET", "s:get", "old"], ["SET", "s:get", "new", "GET"],
            ["SETNX", "s:setnx", "1"], ["SETNX", "s:setnx", "2"],
            ["SETEX", "s:setex", "900", "v"], ["PSETEX", "s:psetex", "900000", "v"],
            ["GETSET", "s:getset", "g1"], ["GETSET", "s:getset", "g2"],
            ["SET", "s:getdel", "gone"], ["GETDEL", "s:getdel"],
            ["SET", "s:getex", "v"], ["GETEX", "s:getex", "EX", "800"],
            ["SET", "s:getex-persist", "v", "EX", "100"], ["GETEX", "s:getex-persist", "PERSIST"],
            ["MSET", "m:1", "one", "m:2", "two"], ["MSETNX", "m:3", "three", "m:4", "four"], ["MSETNX", "m:1", "x", "m:5", "y"],
            ["APPEND", "s:append", "Hello"], ["APPEND", "s:append", " World"],
            ["SETRANGE", "s:setrange", "5", "abc"], ["SET", "s:setrange2", "Hello World"], ["SETRANGE", "s:setrange2", "6", "Redis"],
            ["INCR", "c:incr"], ["INCR", "c:incr"], ["DECR", "c:decr"], ["INCRBY", "c:incrby", "40"], ["DECRBY", "c:decrby", "7"],
            ["INCRBYFLOAT", "c:float", "10.5"], ["INCRBYFLOAT", "c:float", "0.1"],
            ["SET", "c:float-ttl", "1", "EX", "700"], ["INCRBYFLOAT", "c:float-ttl", "2.5"],
            ["SET", "d:del", "x"], ["DEL", "d:del"], ["SET", "d:unlink", "x"], ["UNLINK", "d:unlink"],
            ["SET", "r:src", "moved", "EX", "600"], ["RENAME", "r:src", "r:dst"],
            ["SET", "r:nx-src", "a"], ["SET", "r:nx-dst", "b"], ["RENAMENX", "r:nx-src", "r:nx-dst"], ["RENAMENX", "r:nx-src", "r:nx-new"],
            ["SET", "e:expire", "v"], ["EXPIRE", "e:expire", "300"],
            ["SET", "e:pexpire", "v"], ["PEXPIRE", "e:pexpire", "300000"],
            ["SET", "e:expireat", "v"], ["EXPIREAT", "e:expireat", inAnHour.ToString()],
            ["SET", "e:pexpireat", "v"], ["PEXPIREAT", "e:pexpireat", (inAnHour * 1000 + 1).ToString()],
            ["SET", "e:gt", "v", "EX", "100"], ["EXPIRE", "e:gt", "50", "GT"], ["EXPIRE", "e:gt", "400", "GT"],
            ["SET", "e:persist", "v", "EX", "100"], ["PERSIST", "e:persist"],
            ["SET", "e:past", "v"], ["EXPIRE", "e:past", "-1"],
            ["SET", "e:short", "v", "PX", "1"],
            ["SELECT", "3"], ["SET", "db3:key", "three"], ["INCR", "db3:counter"],
            ["SELECT", "4"], ["SET", "db4:key", "four"], ["FLUSHDB"], ["SET", "db4:after-flush", "kept"],
            ["SELECT", "5"], ["SET", "db5:key", "five"],
            ["SELECT", "0"],
        ];
        foreach (var cmd in script)
        {
            var reply = raw.Call(cmd);
            Assert.That(reply, Does.Not.StartWith("-"), string.Join(' ', cmd));
        }
        var big = new string('B', 20_000); // spans several packet buffers
        Assert.That(raw.Call("SET", "s:big", big), Is.EqualTo("+OK"));
        raw.Send("SET s:inline \"inline value\"\r\n");
        Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
        Thread.Sleep(5); // s:short expires; its deletion must be logged, not replayed from the clock
        Assert.That(raw.Call("GET", "s:short"), Is.EqualTo("$nil"));
    }

    [Test]
    public async Task GracefulRestartKeepsEverything()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "16mb");
        SortedDictionary<string, string> before;
        using (var raw = server.Raw())
        {
            RunEveryWriteCommand(raw);
            before = KeyspaceDump.Take(raw);
        }
        Assert.That(before, Has.Count.GreaterThan(40));
        await server.RestartAsync();
        using var after = server.Raw();
        Assert.That(KeyspaceDump.Take(after), Is.EqualTo(before));
        Assert.That(after.Call("FLUSHALL"), Is.EqualTo("+OK"));
        await server.RestartAsync();
        using var empty = server.Raw();
        Assert.That(empty.Call("DBSIZE"), Is.EqualTo(":0"), "FLUSHALL is logged too");
    }

    [Test]
    public void KillNineKeepsEveryAcknowledgedCommand()
    {
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        try
        {
            SortedDictionary<string, string> before;
            using (var server = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "16mb"))
            {
                Assert.That(server.HasExited, Is.False, server.Output);
                using var raw = new RawClient(port);
                RunEveryWriteCommand(raw);
                before = KeyspaceDump.Take(raw);
                server.Signal("KILL");
                Assert.That(server.WaitForExit(10_000), Is.True);
            }
            using (var again = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "16mb"))
            {
                Assert.That(again.HasExited, Is.False, again.Output);
                using var raw = new RawClient(port);
                Assert.That(KeyspaceDump.Take(raw), Is.EqualTo(before));
                var debug = raw.Call("DEBUG", "OBJECT", "s:plain");
                Assert.That(debug, Does.Match(@"pbufs:\d+@\d+\+5$"), "recovered values are referenced where they lie, not copied");
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public async Task ValuesWithTtlComeBackWithTheSameAbsoluteExpiry()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "16mb");
        long expireAt;
        using (var raw = server.Raw())
        {
            raw.Call("SET", "ttl", "v", "EX", "100");
            expireAt = long.Parse(raw.Call("PEXPIRETIME", "ttl")[1..]);
        }
        await Task.Delay(1100);
        await server.RestartAsync();
        using var after = server.Raw();
        Assert.That(long.Parse(after.Call("PEXPIRETIME", "ttl")[1..]), Is.EqualTo(expireAt), "not 100 s from the restart");
    }
}
