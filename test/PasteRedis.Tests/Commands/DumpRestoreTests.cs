using System.Text;

namespace PasteRedis.Tests.Commands;

/// <summary>
/// DUMP and RESTORE against the real redis-server, both ways: every type in every encoding
/// Redis 7 uses (integer and LZF-compressed strings, listpacks, quicklists, intsets, hash
/// tables, skip lists, stream listpacks with consumer groups) dumped by Redis restores here
/// to the same value, and what this server dumps restores in Redis to the same value. Replay across a restart is in RecoveryTests.
/// </summary>
[TestFixture]
public class DumpRestoreTests : ServerFixture
{
    private static readonly Encoding Bytes = Encoding.Latin1;

    private static string[][] Script()
    {
        var rng = new Random(7);
        var noise = new string(Enumerable.Range(0, 200).Select(_ => (char)rng.Next(33, 127)).ToArray());
        return
        [
            ["SET", "s:short", "hello"], ["SET", "s:int", "12345"], ["SET", "s:neg", "-7"], ["SET", "s:big-int", "9223372036854775807"],
            ["SET", "s:compressible", new string('a', 2000)], ["SET", "s:noise", noise], ["SET", "s:empty", ""],
            ["RPUSH", "l:small", "a", "b", "1", "-2", "300000", "x"],
            ["RPUSH", "l:large", .. Enumerable.Range(0, 2000).Select(i => $"element-{i}-" + new string('e', i % 50))],
            ["SADD", "set:ints", "1", "2", "3", "-40000", "9000000000"],
            ["SADD", "set:strings", "apple", "banana", "1", "cherry"],
            ["SADD", "set:large", .. Enumerable.Range(0, 600).Select(i => "m" + i)],
            ["ZADD", "z:small", "1", "a", "2.5", "b", "-3", "c", "inf", "d", "100", "e"],
            ["ZADD", "z:large", .. Enumerable.Range(0, 300).SelectMany(i => new[] { (i * 1.5).ToString(System.Globalization.CultureInfo.InvariantCulture), "member" + i })],
            ["HSET", "h:small", "f1", "v1", "f2", "2", "f3", "-3"],
            ["HSET", "h:large", .. Enumerable.Range(0, 300).SelectMany(i => new[] { "field" + i, new string('v', i % 80) })],
            // Streams: nodes of 100 entries, entries with the master's fields and without, deletions (a node's
            // first entry among them), trimming, consumer groups with pending entries, consumers and read counters.
            .. Enumerable.Range(1, 250).Select(i => i % 7 == 0
                ? new[] { "XADD", "x:s", $"{1000 + i}-{i % 3}", "other", "v" + i, "n", i.ToString() }
                : ["XADD", "x:s", $"{1000 + i}-{i % 3}", "temp", (i * 3).ToString(), "place", "room-" + i]),
            ["XDEL", "x:s", "1001-1", "1050-2", "1101-2", "1150-0"],
            ["XGROUP", "CREATE", "x:s", "g1", "0"], ["XGROUP", "CREATE", "x:s", "g2", "1100-0"], ["XGROUP", "CREATECONSUMER", "x:s", "g1", "idle"],
            ["XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "x:s", ">"],
            ["XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "x:s", ">"],
            ["XREADGROUP", "GROUP", "g2", "carol", "COUNT", "2", "STREAMS", "x:s", ">"],
            ["XACK", "x:s", "g1", "1003-0", "1004-1"],
            ["XADD", "x:trim", "MAXLEN", "3", "5-1", "a", "1"], ["XADD", "x:trim", "MAXLEN", "3", "6-1", "a", "2"],
            ["XADD", "x:trim", "MAXLEN", "3", "7-1", "b", "3"], ["XADD", "x:trim", "MAXLEN", "3", "8-1", "a", "4"],
            ["XADD", "x:empty", "9-9", "f", "v"], ["XDEL", "x:empty", "9-9"], ["XGROUP", "CREATE", "x:empty", "g", "$"],
        ];
    }

    [Test]
    public void PayloadsTravelBothWaysWithTheRealRedisServer()
    {
        var dir = Directory.CreateTempSubdirectory("redis-dump").FullName;
        int port = ServerInstance.FreePort();
        using var redis = Tools.StartRedisServer(dir, port, "--appendonly", "no");
        try
        {
            using var real = new RawClient(port) { BulkEncoding = Bytes };
            using var ours = Server.Raw();
            ours.BulkEncoding = Bytes;
            foreach (var cmd in Script()) Assert.That(real.Call(cmd), Does.Not.StartWith("-"), string.Join(' ', cmd.Take(3)));
            var keys = real.Call("KEYS", "*")[2..^1].Split(',').Select(k => k[1..]).ToList();
            Assert.That(keys, Has.Count.EqualTo(19));
            Assert.That(real.Call("OBJECT", "ENCODING", "l:large"), Is.EqualTo("$quicklist"));
            Assert.That(real.Call("OBJECT", "ENCODING", "set:ints"), Is.EqualTo("$intset"));
            Assert.That(real.Call("OBJECT", "ENCODING", "z:large"), Is.EqualTo("$skiplist"));

            // Redis → here.
            foreach (var key in keys)
            {
                var payload = real.Call("DUMP", key);
                Assert.That(payload, Does.StartWith("$"), key);
                Assert.That(Call(ours, "RESTORE", key, "0", payload[1..]), Is.EqualTo("+OK"), key);
            }
            var expected = KeyspaceDump.Take(real, databases: 1);
            Assert.That(KeyspaceDump.Take(ours, databases: 1), Is.EqualTo(expected));

            // Here → Redis.
            Assert.That(real.Call("FLUSHALL"), Is.EqualTo("+OK"));
            foreach (var key in keys)
                Assert.That(Call(real, "RESTORE", key, "0", ours.Call("DUMP", key)[1..]), Is.EqualTo("+OK"), key);
            Assert.That(KeyspaceDump.Take(real, databases: 1), Is.EqualTo(expected));
        }
        finally
        {
            redis.Kill();
            redis.WaitForExit();
            Directory.Delete(dir, true);
        }
    }

    [Test]
    public void RestoreChecksWhatRedisChecks()
    {
        using var raw = Server.Raw();
        raw.BulkEncoding = Bytes;
        raw.Call("SET", "dr:src", "value");
        var payload = raw.Call("DUMP", "dr:src")[1..];
        Assert.That(raw.Call("DUMP", "dr:none"), Is.EqualTo("$nil"));
        Assert.That(Call(raw, "RESTORE", "dr:src", "0", payload), Is.EqualTo("-BUSYKEY Target key name already exists."));
        Assert.That(Call(raw, "RESTORE", "dr:src", "0", payload, "REPLACE"), Is.EqualTo("+OK"));
        Assert.That(Call(raw, "RESTORE", "dr:ttl", "100000", payload), Is.EqualTo("+OK"));
        Assert.That(long.Parse(raw.Call("PTTL", "dr:ttl")[1..]), Is.InRange(99_000, 100_000));
        Assert.That(Call(raw, "RESTORE", "dr:neg", "-1", payload), Is.EqualTo("-ERR Invalid TTL value, must be >= 0"));
        var damaged = payload[..^1] + (char)(payload[^1] ^ 1);
        Assert.That(Call(raw, "RESTORE", "dr:bad", "0", damaged), Is.EqualTo("-ERR DUMP payload version or checksum are wrong"));
        Assert.That(Call(raw, "RESTORE", "dr:bad", "0", "short"), Is.EqualTo("-ERR DUMP payload version or checksum are wrong"));
        Assert.That(Call(raw, "RESTORE", "dr:bad", "0", payload, "FOO"), Is.EqualTo("-ERR syntax error"));
        Assert.That(Call(raw, "RESTORE", "dr:idle", "0", payload, "IDLETIME", "100"), Is.EqualTo("+OK"));
        Assert.That(long.Parse(raw.Call("OBJECT", "IDLETIME", "dr:idle")[1..]), Is.InRange(100, 102));
        Assert.That(Call(raw, "RESTORE", "dr:past", "1", payload, "ABSTTL"), Is.EqualTo("+OK"), "already expired: nothing created");
        Assert.That(raw.Call("EXISTS", "dr:past"), Is.EqualTo(":0"));
    }

    private static string Call(RawClient raw, params string[] args) => raw.CallLatin1(args);
}
