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

    /// <summary>
    /// What a default Redis 7 leaves: a dump.rdb (SAVE), and an appendonlydir whose base file
    /// is RDB (aof-use-rdb-preamble yes) with commands after it. Both import here: every
    /// type, TTLs, databases, a function library, an expired key left out.
    /// </summary>
    [Test]
    public async Task RedisRdbFilesImport([Values("dump.rdb", "appendonlydir")] string what)
    {
        Tools.Require("redis-server", "redis-server");
        var redisDir = Directory.CreateTempSubdirectory("redis-rdb").FullName;
        int port = ServerInstance.FreePort();
        SortedDictionary<string, string> expected;
        using (var redis = Tools.StartRedisServer(redisDir, port, "--appendonly", what == "dump.rdb" ? "no" : "yes"))
        try
        {
            using var raw = new RawClient(port) { BulkEncoding = System.Text.Encoding.Latin1 };
            raw.Call("SET", "plain", "hello");
            raw.Call("SET", "number", "12345");
            raw.Call("SET", "big", new string('x', 5000)); // LZF-compressed in the RDB
            raw.Call("SET", "ttl", "v", "EX", "5000");
            raw.Call("SET", "gone", "v", "PX", "300");
            raw.Call("SELECT", "5");
            raw.Call("SET", "db5", "five");
            raw.Call("SELECT", "0");
            RecoveryTests.RunEveryCollectionCommand(raw);
            raw.Call(["RPUSH", "longlist", .. Enumerable.Range(0, 300).Select(i => "element-" + i)]); // a quicklist of several nodes
            raw.Call(["SADD", "bigset", .. Enumerable.Range(0, 600).Select(i => i.ToString())]);
            raw.Call(["HSET", "bighash", .. Enumerable.Range(0, 200).SelectMany(i => new[] { "f" + i, new string('v', i % 80) })]);
            raw.Call(["ZADD", "bigzset", .. Enumerable.Range(0, 200).SelectMany(i => new[] { (i * 0.5).ToString(System.Globalization.CultureInfo.InvariantCulture), "m" + i })]);
            Assert.That(raw.Call("FUNCTION", "LOAD", "#!lua name=fromrdb\nredis.register_function('fromrdb', function(keys) return redis.call('get', keys[1]) end)"), Is.EqualTo("$fromrdb"));
            if (what == "dump.rdb") Assert.That(raw.Call("SAVE"), Is.EqualTo("+OK"));
            else
            {
                Assert.That(raw.Call("BGREWRITEAOF"), Does.StartWith("+Background"));
                var deadline = DateTime.UtcNow.AddSeconds(20);
                while (!raw.Call("INFO", "persistence").Contains("aof_rewrite_in_progress:0") && DateTime.UtcNow < deadline) Thread.Sleep(50);
                Thread.Sleep(200);
                raw.Call("INCRBY", "after-rewrite", "5"); // in the increment file, after the RDB base
            }
            Thread.Sleep(400); // "gone" expires
            raw.Call("GET", "gone");
            expected = KeyspaceDump.Take(raw);
            raw.Send(RawClient.Command("SHUTDOWN", what == "dump.rdb" ? "NOSAVE" : "SAVE"));
            redis.WaitForExit(10_000);
        }
        finally
        {
            if (!redis.HasExited) redis.Kill();
        }
        try
        {
            if (what == "appendonlydir")
                Assert.That(Directory.GetFiles(Path.Combine(redisDir, "appendonlydir"), "*.base.rdb"), Is.Not.Empty, "Redis wrote an RDB base file");
            await using var server = await ServerInstance.StartAsync("--pbuf-memory", "32mb", "--aof-import", Path.Combine(redisDir, what));
            using var raw = server.Raw();
            raw.BulkEncoding = System.Text.Encoding.Latin1;
            var got = KeyspaceDump.Take(raw);
            Assert.That(got.Keys, Is.EqualTo(expected.Keys), "the expired key is left out");
            foreach (var (k, v) in expected)
                Assert.That(got[k].Split(" expire=")[0], Is.EqualTo(v.Split(" expire=")[0]), k);
            Assert.That(raw.Call("TTL", "ttl"), Does.Match(@"^:\d+$"));
            Assert.That(raw.Call("FCALL", "fromrdb", "1", "plain"), Is.EqualTo("$hello"), "the function library came along");
        }
        finally { Directory.Delete(redisDir, true); }
    }

    /// <summary>
    /// SAVE, BGSAVE and SHUTDOWN SAVE write an RDB file that the real redis-server loads
    /// (every type, TTLs, databases, a function library) and that --aof-import reads back.
    /// </summary>
    [Test]
    public async Task SaveAndBgsaveWriteAnRdbThatRedisLoads([Values("SAVE", "BGSAVE", "SHUTDOWN SAVE")] string how)
    {
        Tools.Require("redis-server", "redis-server");
        SortedDictionary<string, string> expected;
        var server = await ServerInstance.StartAsync("--pbuf-memory", "32mb");
        var rdb = Path.Combine(server.DataDir, "dump.rdb");
        using (var raw = server.Raw())
        {
            raw.BulkEncoding = System.Text.Encoding.Latin1;
            raw.Call("SET", "plain", "hello");
            raw.Call("SET", "ttl", "v", "EX", "5000");
            raw.Call("SET", "big", new string('y', 20_000));
            raw.Call("SELECT", "9");
            raw.Call("SET", "db9", "nine");
            raw.Call("SELECT", "0");
            RecoveryTests.RunEveryCollectionCommand(raw);
            Assert.That(raw.Call("FUNCTION", "LOAD", "#!lua name=saved\nredis.register_function('saved', function(keys) return redis.call('get', keys[1]) end)"), Is.EqualTo("$saved"));
            expected = KeyspaceDump.Take(raw);
            long before = long.Parse(raw.Call("LASTSAVE")[1..]);
            Thread.Sleep(1100);
            switch (how)
            {
                case "SAVE":
                    Assert.That(raw.Call("SAVE"), Is.EqualTo("+OK"));
                    Assert.That(raw.Call("INFO", "persistence"), Does.Contain("rdb_changes_since_last_save:0\r\n").And.Contain("rdb_saves:1\r\n"));
                    break;
                case "BGSAVE":
                    Assert.That(raw.Call("BGSAVE"), Is.EqualTo("+Background saving started"));
                    var deadline = DateTime.UtcNow.AddSeconds(20);
                    while (!raw.Call("INFO", "persistence").Contains("rdb_bgsave_in_progress:0") && DateTime.UtcNow < deadline) Thread.Sleep(20);
                    Assert.That(raw.Call("INFO", "persistence"), Does.Contain("rdb_last_bgsave_status:ok"));
                    break;
            }
            if (how != "SHUTDOWN SAVE") Assert.That(long.Parse(raw.Call("LASTSAVE")[1..]), Is.GreaterThan(before));
        }
        if (how == "SHUTDOWN SAVE")
        {
            using var raw = server.Raw();
            raw.Send(RawClient.Command("SHUTDOWN", "SAVE"));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!File.Exists(rdb) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        }
        await server.StopKeepingDataAsync();
        Assert.That(File.Exists(rdb), Is.True, "dump.rdb in the data dir");
        var redisDir = Directory.CreateTempSubdirectory("redis-load-rdb").FullName;
        File.Copy(rdb, Path.Combine(redisDir, "dump.rdb"));
        int port = ServerInstance.FreePort();
        using var redis = Tools.StartRedisServer(redisDir, port, "--appendonly", "no");
        try
        {
            using var real = new RawClient(port) { BulkEncoding = System.Text.Encoding.Latin1 };
            var got = KeyspaceDump.Take(real);
            Assert.That(got.Keys, Is.EqualTo(expected.Keys));
            foreach (var (k, v) in expected)
                Assert.That(got[k].Split(" expire=")[0], Is.EqualTo(v.Split(" expire=")[0]), $"redis-server loaded {k}");
            Assert.That(real.Call("FCALL", "saved", "1", "plain"), Is.EqualTo("$hello"));
        }
        finally
        {
            redis.Kill();
            redis.WaitForExit();
            Directory.Delete(redisDir, true);
        }
        // And back: our own RDB imported into a fresh server.
        await using var again = await ServerInstance.StartAsync("--pbuf-memory", "32mb", "--aof-import", rdb);
        using (var check = again.Raw())
        {
            check.BulkEncoding = System.Text.Encoding.Latin1;
            Assert.That(KeyspaceDump.Take(check).Keys, Is.EqualTo(expected.Keys));
        }
        Directory.Delete(server.DataDir, true);
    }

    [Test]
    public void AnUnreadableRdbIsRefusedWithTheReason()
    {
        var dir = Directory.CreateTempSubdirectory("rdb-bad").FullName;
        File.WriteAllText(Path.Combine(dir, "appendonly.aof.manifest"), "file appendonly.aof.1.base.rdb seq 1 type b\n");
        File.WriteAllText(Path.Combine(dir, "appendonly.aof.1.base.rdb"), "REDIS0010\u00fa");
        var e = Assert.ThrowsAsync(Is.AssignableTo<Exception>(), () => ServerInstance.StartAsync("--pbuf-memory", "16mb", "--aof-import", dir));
        Assert.That(e!.Message, Does.Contain("appendonly.aof.1.base.rdb: cannot read its RDB data: "));
        File.WriteAllText(Path.Combine(dir, "appendonly.aof.1.base.rdb"), "REDIS0012\u00ff");
        e = Assert.ThrowsAsync(Is.AssignableTo<Exception>(), () => ServerInstance.StartAsync("--pbuf-memory", "16mb", "--aof-import", dir));
        Assert.That(e!.Message, Does.Contain("RDB version 12"));
        Directory.Delete(dir, true);
    }

    /// <summary>
    /// rdbchecksum as Redis: with no, SAVE writes 0 where the CRC-64 goes (as redis-server
    /// does) and an import checks nothing, so an RDB whose checksum is wrong loads; with yes
    /// (the default) that file is refused and a saved file carries its CRC-64.
    /// </summary>
    [Test]
    public async Task RdbChecksumNoWritesNoneAndChecksNone()
    {
        string Tail(string file) => Convert.ToHexString(File.ReadAllBytes(file)[^8..]);
        using var redis = new Tools.ReferenceRedis("rdbchecksum", "--rdbchecksum", "no");
        var server = await ServerInstance.StartAsync("--pbuf-memory", "16mb", "--rdbchecksum", "no");
        string redisDir;
        using (var real = redis.Raw())
        using (var raw = server.Raw())
        {
            foreach (var c in new[] { real, raw })
            {
                c.Call("SET", "k", "v");
                Assert.That(c.Call("SAVE"), Is.EqualTo("+OK"));
                Assert.That(c.Call("CONFIG", "SET", "rdbchecksum", "yes"), Does.StartWith("-ERR CONFIG SET failed (possibly related to argument 'rdbchecksum') - can't set immutable config"));
            }
            redisDir = System.Text.RegularExpressions.Regex.Match(real.Call("CONFIG", "GET", "dir"), @"\$([^,\]]+)\]$").Groups[1].Value;
        }
        await server.StopKeepingDataAsync();
        var rdb = Path.Combine(server.DataDir, "dump.rdb");
        Assert.That((Tail(Path.Combine(redisDir, "dump.rdb")), Tail(rdb)), Is.EqualTo(("0000000000000000", "0000000000000000")), "redis-server and this server: no checksum");

        // A file with a wrong checksum: refused where checksums are checked, loaded where not.
        var bytes = File.ReadAllBytes(rdb);
        bytes[^1] = 0x5A;
        var bad = Path.Combine(server.DataDir, "bad.rdb");
        File.WriteAllBytes(bad, bytes);
        var e = Assert.ThrowsAsync(Is.AssignableTo<Exception>(), () => ServerInstance.StartAsync("--pbuf-memory", "16mb", "--aof-import", bad));
        Assert.That(e!.Message, Does.Contain("wrong RDB checksum"));
        await using (var lax = await ServerInstance.StartAsync("--pbuf-memory", "16mb", "--aof-import", bad, "--rdbchecksum", "no"))
        using (var check = lax.Raw())
            Assert.That(check.Call("GET", "k"), Is.EqualTo("$v"));

        await using (var checksummed = await ServerInstance.StartAsync("--pbuf-memory", "16mb"))
        {
            using (var c = checksummed.Raw())
            {
                c.Call("SET", "k", "v");
                Assert.That(c.Call("SAVE"), Is.EqualTo("+OK"));
            }
            Assert.That(Tail(Path.Combine(checksummed.DataDir, "dump.rdb")), Is.Not.EqualTo("0000000000000000"), "rdbchecksum yes: a CRC-64");
        }
        Directory.Delete(server.DataDir, true);
    }

    /// <summary>
    /// rdbcompression as Redis: with yes (the default) DUMP stores strings over 20 bytes
    /// LZF-compressed when that saves space, and redis-server restores what this server
    /// compressed (and the other way round) byte for byte: repetitive, random
    /// (incompressible: stored plain), repeats farther apart than LZF reaches, runs longer
    /// than one reference. With no, both store them plain.
    /// </summary>
    [Test]
    public async Task RdbCompressionCompressesAsRedisAndRedisReadsIt()
    {
        using var redis = new Tools.ReferenceRedis("rdbcompression");
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "16mb");
        var random = new Random(7);
        string Random(int n) => new(Enumerable.Range(0, n).Select(_ => (char)random.Next(256)).ToArray());
        var far = Random(9000);
        var values = new Dictionary<string, string>
        {
            ["same"] = new string('y', 20_000),
            ["pattern"] = string.Concat(Enumerable.Repeat("abcabd", 900)),
            ["random"] = Random(3000),
            ["far"] = far + far,
            ["text"] = string.Concat(Enumerable.Range(0, 400).Select(i => $"key:{i % 37} value:{i * 7 % 101};")),
            ["short"] = new string('a', 21),
            ["mixed"] = string.Concat(Enumerable.Range(0, 60).Select(i => Random(random.Next(1, 40)) + new string('z', random.Next(1, 300)))),
        };
        using var ours = server.Raw();
        using var real = redis.Raw();
        ours.BulkEncoding = real.BulkEncoding = System.Text.Encoding.Latin1;
        foreach (var (name, value) in values)
        {
            Assert.That(ours.CallLatin1("SET", name, value), Is.EqualTo("+OK"));
            Assert.That(real.CallLatin1("SET", name, value), Is.EqualTo("+OK"));
        }
        foreach (var (name, value) in values)
        {
            var mine = ours.Call("DUMP", name)[1..];
            var theirs = real.Call("DUMP", name)[1..];
            Assert.That(real.CallLatin1("RESTORE", name + ":ours", "0", mine), Is.EqualTo("+OK"), $"redis-server restores our {name}");
            Assert.That(real.CallLatin1("GET", name + ":ours"), Is.EqualTo("$" + value), name);
            Assert.That(ours.CallLatin1("RESTORE", name + ":theirs", "0", theirs), Is.EqualTo("+OK"), $"we restore redis-server's {name}");
            Assert.That(ours.CallLatin1("GET", name + ":theirs"), Is.EqualTo("$" + value), name);
            bool compressible = name is not ("random" or "far"); // far: its repeat lies beyond LZF's 8 KB reach
            Assert.That((mine.Length < value.Length, theirs.Length < value.Length), Is.EqualTo((compressible, compressible)),
                $"{name}: {mine.Length} bytes here, {theirs.Length} in redis-server, for {value.Length}");
        }
        foreach (var c in new[] { ours, real }) Assert.That(c.Call("CONFIG", "SET", "rdbcompression", "no"), Is.EqualTo("+OK"));
        const int Plain = 1 + 1 + 5 + 20_000 + 10; // the rendering's '$', type, 32-bit length, the value, version and CRC-64
        Assert.That((ours.Call("DUMP", "same").Length, real.Call("DUMP", "same").Length), Is.EqualTo((Plain, Plain)), "plain with rdbcompression no");
    }
}
