using System.Text;

namespace PasteRedis.Tests.Commands;

/// <summary>
/// PFADD/PFCOUNT/PFMERGE: through StackExchange.Redis, and against the real redis-server
/// with enough elements to take the dense representation and the large-range estimator,
/// where counts and the values' bytes must be Redis's exactly (small, sparse ones are in
/// the differential corpus). Replay across a restart is in RecoveryTests.
/// </summary>
[TestFixture]
public class HyperLogLogTests : ServerFixture
{
    protected override bool UsesMultiplexer => true;

    private static string Key() => "hll:" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task AddCountAndMergeThroughStackExchangeRedis()
    {
        var db = Mux.GetDatabase();
        string a = Key(), b = Key(), merged = Key();
        Assert.That(await db.HyperLogLogAddAsync(a, Enumerable.Range(0, 1000).Select(i => (RedisValue)$"a{i}").ToArray()), Is.True);
        Assert.That(await db.HyperLogLogAddAsync(a, "a1"), Is.False, "seen before: no register grows");
        await db.HyperLogLogAddAsync(b, Enumerable.Range(500, 1000).Select(i => (RedisValue)$"a{i}").ToArray());
        Assert.That(await db.HyperLogLogLengthAsync(a), Is.InRange(980, 1020), "Redis's standard error is 0.81 %");
        Assert.That(await db.HyperLogLogLengthAsync([a, b]), Is.InRange(1470, 1530));
        await db.HyperLogLogMergeAsync(merged, [a, b]);
        Assert.That(await db.HyperLogLogLengthAsync(merged), Is.EqualTo(await db.HyperLogLogLengthAsync([a, b])));
        Assert.That((string?)await db.ExecuteAsync("TYPE", merged), Is.EqualTo("string"));
        await db.StringSetAsync(b, "not an hll");
        var e = Assert.ThrowsAsync<RedisServerException>(() => db.HyperLogLogLengthAsync(b));
        Assert.That(e!.Message, Is.EqualTo("WRONGTYPE Key is not a valid HyperLogLog string value."));
    }

    /// <summary>
    /// 200 000 elements in batches, into the real redis-server and into this one: after every
    /// batch PFCOUNT and the value's bytes (dense registers and the cached count) are the same,
    /// and so are a PFMERGE of sparse and dense inputs and a GET/SET of Redis's value here.
    /// </summary>
    [Test]
    public void LargeCountsAndBytesAreRedissOwn()
    {
        var dir = Directory.CreateTempSubdirectory("redis-hll").FullName;
        int port = ServerInstance.FreePort();
        using var redis = Tools.StartRedisServer(dir, port, "--appendonly", "no");
        try
        {
            using var real = new RawClient(port) { BulkEncoding = Encoding.Latin1 };
            using var ours = new RawClient(Server.Port) { BulkEncoding = Encoding.Latin1 };
            string key = Key(), small = Key(), merged = Key();
            foreach (var raw in new[] { real, ours }) raw.Call("PFADD", small, "x", "y", "z");
            for (int batch = 0; batch < 20; batch++)
            {
                var args = new[] { "PFADD", key }.Concat(Enumerable.Range(batch * 10_000, 10_000).Select(i => "element:" + i)).ToArray();
                Assert.That(ours.Call(args), Is.EqualTo(real.Call(args)), $"batch {batch}");
                Assert.That(ours.Call("PFCOUNT", key), Is.EqualTo(real.Call("PFCOUNT", key)), $"count after batch {batch}");
                Assert.That(ours.Call("GET", key), Is.EqualTo(real.Call("GET", key)), $"bytes after batch {batch}");
            }
            Assert.That(long.Parse(ours.Call("PFCOUNT", key)[1..]), Is.InRange(196_000, 204_000));
            foreach (var raw in new[] { real, ours }) Assert.That(raw.Call("PFMERGE", merged, small, key), Is.EqualTo("+OK"));
            Assert.That(ours.Call("GET", merged), Is.EqualTo(real.Call("GET", merged)));
            Assert.That(ours.Call("PFCOUNT", merged, small), Is.EqualTo(real.Call("PFCOUNT", merged, small)));

            // A value made by Redis, stored here with SET, is a HyperLogLog here too.
            var redisValue = Encoding.Latin1.GetBytes(real.Call("GET", small)[1..]);
            var set = new MemoryStream();
            set.Write(Encoding.ASCII.GetBytes($"*3\r\n$3\r\nSET\r\n${small.Length}\r\n{small}\r\n${redisValue.Length}\r\n"));
            set.Write(redisValue);
            set.Write("\r\n"u8);
            ours.Send(set.ToArray());
            Assert.That(ours.ReadReply(), Is.EqualTo("+OK"));
            foreach (var raw in new[] { real, ours }) raw.Call("PFADD", small, "w");
            Assert.That(ours.Call("GET", small), Is.EqualTo(real.Call("GET", small)));
            Assert.That(ours.Call("PFCOUNT", small), Is.EqualTo(":4"));
        }
        finally
        {
            redis.Kill();
            redis.WaitForExit();
            Directory.Delete(dir, true);
        }
    }
}
