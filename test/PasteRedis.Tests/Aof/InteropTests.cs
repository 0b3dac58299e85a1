using System.Diagnostics;

namespace PasteRedis.Tests.Aof;

/// <summary>Migration both ways with the real redis-server.</summary>
[TestFixture]
public class InteropTests
{
    /// <summary>The export-aof command on a stopped server's data dir (also used by the randomized differential test).</summary>
    internal static void RunExport(string dataDir, string file, string pbufMemory = "16mb")
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { ServerProcess.ServerDll, "export-aof", file, "--dir", dataDir, "--pbuf-memory", pbufMemory, "--loglevel", "warning" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.EqualTo(0), err);
        Assert.That(err, Does.Contain("Exported"));
    }

    [Test]
    public async Task ExportedAofLoadsIntoRealRedis()
    {
        Tools.Require("redis-server", "redis-server");
        SortedDictionary<string, string> expected;
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "16mb");
        using (var raw = server.Raw())
        {
            raw.Call("SET", "plain", "hello");
            raw.Call("SET", "ttl", "v", "EX", "5000");
            raw.Call("SET", "binary", "a\r\nb\0c");
            raw.Call("SET", "big", new string('x', 10_000));
            raw.Call("INCR", "counter");
            raw.Call("SELECT", "7");
            raw.Call("SET", "db7", "seven");
            raw.Call("SELECT", "0");
            RecoveryTests.RunEveryCollectionCommand(raw);
            Assert.That(raw.Call("FUNCTION", "LOAD", "#!lua name=exported\nredis.register_function('exported_get', function(keys) return redis.call('get', keys[1]) end)"),
                Is.EqualTo("$exported"));
            expected = KeyspaceDump.Take(raw);
        }
        await server.StopKeepingDataAsync();
        var redisDir = Directory.CreateTempSubdirectory("redis-import").FullName;
        RunExport(server.DataDir, Path.Combine(redisDir, "appendonly.aof"));
        int port = ServerInstance.FreePort();
        using var redis = Tools.StartRedisServer(redisDir, port, "--appendfilename", "appendonly.aof");
        try
        {
            using var raw = new RawClient(port);
            var got = KeyspaceDump.Take(raw);
            foreach (var (key, value) in expected)
                Assert.That(got.GetValueOrDefault(key), Is.EqualTo(value), $"the real redis-server holds {key} with the same value and expiry");
            Assert.That(got.Keys, Is.EquivalentTo(expected.Keys));
            Assert.That(raw.Call("FCALL", "exported_get", "1", "plain"), Is.EqualTo("$hello"), "the function library went along");
        }
        finally
        {
            redis.Kill();
            redis.WaitForExit();
            Directory.Delete(redisDir, true);
            Directory.Delete(server.DataDir, true);
        }
    }

    [Test]
    public async Task RedisWrittenAofImportsAndIsThenPersistedHere()
    {
        Tools.Require("redis-server", "redis-server");
        var redisDir = Directory.CreateTempSubdirectory("redis-export").FullName;
        int port = ServerInstance.FreePort();
        SortedDictionary<string, string> expected;
        using (var redis = Tools.StartRedisServer(redisDir, port, "--aof-use-rdb-preamble", "no"))
        try
        {
            using var raw = new RawClient(port);
            raw.Call("SET", "from-redis", "yes");
            raw.Call("SET", "with-ttl", "v", "EX", "3000");
            raw.Call("BGREWRITEAOF");
            Thread.Sleep(500); // the base file now holds the keys above
            raw.Call("INCRBY", "after-rewrite", "5");
            raw.Call("SELECT", "3");
            raw.Call("SET", "db3", "three");
            raw.Call("SELECT", "0");
            raw.Call("DEL", "from-redis");
            raw.Call("SET", "from-redis", "again");
            expected = KeyspaceDump.Take(raw);
            raw.Send(RawClient.Command("SHUTDOWN"));
            redis.WaitForExit(10_000);
        }
        finally
        {
            if (!redis.HasExited) redis.Kill(); // a failure above must not leave a redis-server behind
        }
        try
        {
            await using var server = await ServerInstance.StartAsync("--pbuf-memory", "16mb", "--aof-import", Path.Combine(redisDir, "appendonlydir"));
            using (var raw = server.Raw())
            {
                var got = KeyspaceDump.Take(raw);
                Assert.That(got.Keys, Is.EqualTo(expected.Keys));
                foreach (var (k, v) in expected)
                    Assert.That(got[k].Split(" expire=")[0], Is.EqualTo(v.Split(" expire=")[0]), k);
            }
            await server.StopKeepingDataAsync();
            // Imported data is in our own log now: it survives a start without the import.
            await using var again = await ServerInstance.StartOnAsync(server.DataDir, "--pbuf-memory", "16mb");
            using var check = again.Raw();
            Assert.That(check.Call("GET", "from-redis"), Is.EqualTo("$again"));
            Assert.That(check.Call("GET", "after-rewrite"), Is.EqualTo("$5"));
        }
        finally { Directory.Delete(redisDir, true); }
    }

    [Test]
    public void RdbPreambleIsRefusedWithInstructions()
    {
        var dir = Directory.CreateTempSubdirectory("rdb-preamble").FullName;
        File.WriteAllText(Path.Combine(dir, "appendonly.aof.manifest"), "file appendonly.aof.1.base.rdb seq 1 type b\n");
        File.WriteAllText(Path.Combine(dir, "appendonly.aof.1.base.rdb"), "REDIS0010");
        var e = Assert.ThrowsAsync(Is.AssignableTo<Exception>(), () => ServerInstance.StartAsync("--pbuf-memory", "16mb", "--aof-import", dir));
        Assert.That(e!.Message, Does.Contain("aof-use-rdb-preamble no"));
        Directory.Delete(dir, true);
    }
}
