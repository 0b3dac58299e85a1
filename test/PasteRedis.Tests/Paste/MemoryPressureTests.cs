namespace PasteRedis.Tests.Paste;

/// <summary>maxmemory-policy when packet buffers run out: OOM for noeviction, eviction otherwise.</summary>
[TestFixture]
public class MemoryPressureTests
{
    private const string Oom = "-OOM command not allowed when used memory > 'maxmemory'.";
    private static readonly string Value = new('m', 1000);

    private static async Task<ServerInstance> Small(string policy, params string[] more)
    {
        var args = new List<string> { "--pbuf-memory", "1mb", "--maxmemory-policy", policy, "--maxmemory-samples", "10" };
        args.AddRange(more);
        return await ServerInstance.StartAsync(args.ToArray());
    }

    /// <summary>Writes unique keys until the server refuses or <paramref name="max"/> is reached; returns how many were accepted.</summary>
    private static int Fill(RawClient raw, string prefix, int max, Func<int, string[]>? extra = null)
    {
        for (int i = 0; i < max; i++)
        {
            var args = new List<string> { "SET", prefix + i, Value };
            if (extra != null) args.AddRange(extra(i));
            var reply = raw.Call(args.ToArray());
            if (reply == Oom) return i;
            Assert.That(reply, Is.EqualTo("+OK"), $"write {i}");
        }
        return max;
    }

    [Test]
    public async Task NoEvictionRefusesWritesKeepsReadsAndRecoversAfterDelete()
    {
        await using var s = await Small("noeviction");
        using var raw = s.Raw();
        int accepted = Fill(raw, "k", 5000);
        Assert.That(accepted, Is.InRange(100, 1100), "a 1 MB region holds about a thousand 1 KB values");
        Assert.That(raw.Call("GET", "k0"), Is.EqualTo("$" + Value), "reads keep working");
        Assert.That(raw.Call("DBSIZE"), Is.EqualTo(":" + accepted));
        Assert.That(raw.Call("INCR", "counter"), Is.EqualTo(Oom), "every denyoom command is refused");
        Assert.That(raw.Call("DEL", "k0"), Is.EqualTo(":1"), "DEL is allowed");
        for (int i = 1; i < accepted / 2; i++) raw.Call("DEL", "k" + i);
        Assert.That(raw.Call("SET", "after", Value), Is.EqualTo("+OK"), "writes resume once space is free, no restart");
        Assert.That(raw.Call("INFO", "stats"), Does.Contain("evicted_keys:0"));
    }

    [TestCase("allkeys-lru")]
    [TestCase("allkeys-lfu")]
    [TestCase("allkeys-random")]
    public async Task AllKeysPoliciesEvictAndNeverRefuse(string policy)
    {
        await using var s = await Small(policy);
        using var raw = s.Raw();
        Assert.That(raw.Call("SET", "hot", "keep me"), Is.EqualTo("+OK"));
        Assert.That(Fill(raw, "k", 3000, _ => []), Is.EqualTo(3000), "3 MB of writes into a 1 MB region, none refused");
        var evicted = long.Parse(System.Text.RegularExpressions.Regex.Match(raw.Call("INFO", "stats"), @"evicted_keys:(\d+)").Groups[1].Value);
        Assert.That(evicted, Is.GreaterThan(1000));
        var size = long.Parse(raw.Call("DBSIZE")[1..]);
        Assert.That(size, Is.LessThan(1200));
    }

    /// <summary>
    /// A cache at its limit (allkeys-lru, the AOF on, every write a new key): the log's
    /// records keep what they logged until a compaction, a walk over every key, so each
    /// round of pressure evicts a margin and compacts once. A compaction first would give
    /// little back (every byte is live) and double the walks (32 compactions here, not 11).
    /// </summary>
    [Test]
    public async Task ACacheAtItsLimitCompactsOncePerRoundOfEvictions()
    {
        await using var s = await ServerInstance.StartAsync("--pbuf-memory", "32mb", "--maxmemory", "8mb", "--maxmemory-policy", "allkeys-lru",
            "--event-loop", "epoll"); // its reads share buffers (the runtime engine's take one each: more compactions that do free)
        using var raw = s.Raw();
        Assert.That(Fill(raw, "k", 30_000), Is.EqualTo(30_000), "30 MB of new keys into 8 MB, none refused");
        long evicted = PacketBufferServerTests.InfoField(raw, "evicted_keys", "stats");
        long compactions = PacketBufferServerTests.InfoField(raw, "pressure_compactions", "paste");
        // A round evicts values worth its margin: a tenth of maxmemory, or twice the reserve of
        // free buffers (a 32nd of the region) if more: 2 MB here, 2097 values of 1000 B.
        double rounds = evicted / (2.0 * 1024 * 1024 / Value.Length);
        TestContext.Progress.WriteLine($"evicted {evicted}, rounds {rounds:F1}, compactions {compactions}");
        Assert.That(evicted, Is.GreaterThan(20_000));
        Assert.That(compactions, Is.GreaterThan(0));
        Assert.That(compactions, Is.LessThanOrEqualTo(rounds * 1.25 + 2), "one compaction per round of evictions");
        Assert.That(raw.Call("GET", "k29999"), Is.EqualTo("$" + Value));
    }

    [Test]
    public async Task LruKeepsTheKeyThatIsReadOften()
    {
        await using var s = await Small("allkeys-lru");
        using var raw = s.Raw();
        raw.Call("SET", "hot", "keep me");
        for (int i = 0; i < 3000; i++)
        {
            Assert.That(raw.Call("SET", "k" + i, Value), Is.EqualTo("+OK"));
            Assert.That(raw.Call("GET", "hot"), Is.EqualTo("$keep me"), $"after write {i}");
        }
        Assert.That(raw.Call("EXISTS", "k0"), Is.EqualTo(":0"), "the oldest untouched key went first");
    }

    /// <summary>
    /// allkeys-lfu: keys read many times earlier (a high counter) outlive a flood of keys
    /// written once, even though those are more recent, which LRU would keep instead.
    /// </summary>
    [Test]
    public async Task LfuKeepsTheKeysReadOftenEvenWhenNotRecently()
    {
        await using var s = await Small("allkeys-lfu");
        using var raw = s.Raw();
        for (int h = 0; h < 5; h++)
        {
            raw.Call("SET", "hot" + h, "keep me");
            for (int i = 0; i < 300; i++) raw.Call("GET", "hot" + h);
        }
        Assert.That(long.Parse(raw.Call("OBJECT", "FREQ", "hot0")[1..]), Is.GreaterThan(8), "300 reads raised the counter from 5");
        Assert.That(raw.Call("OBJECT", "FREQ", "nothere"), Is.EqualTo("$nil"));
        Assert.That(Fill(raw, "k", 3000, _ => []), Is.EqualTo(3000));
        for (int h = 0; h < 5; h++) Assert.That(raw.Call("EXISTS", "hot" + h), Is.EqualTo(":1"), $"hot{h} survived");
        Assert.That(raw.Call("OBJECT", "IDLETIME", "hot0"), Does.StartWith("-ERR An LFU maxmemory policy is selected"));
    }

    /// <summary>lfu-log-factor 0 makes every access count: the counter is exactly 5 + reads.</summary>
    [Test]
    public async Task LfuCounterCountsEveryAccessWithLogFactorZero()
    {
        await using var s = await Small("allkeys-lfu");
        using var raw = s.Raw();
        Assert.That(raw.Call("CONFIG", "SET", "lfu-log-factor", "0"), Is.EqualTo("+OK"));
        raw.Call("SET", "counted", "v");
        Assert.That(raw.Call("OBJECT", "FREQ", "counted"), Is.EqualTo(":5"), "a new key starts at 5");
        for (int i = 0; i < 100; i++) raw.Call("GET", "counted");
        Assert.That(raw.Call("OBJECT", "FREQ", "counted"), Is.EqualTo(":105"));
        for (int i = 0; i < 200; i++) raw.Call("EXISTS", "counted");
        Assert.That(raw.Call("OBJECT", "FREQ", "counted"), Is.EqualTo(":255"), "the counter saturates at 255");
        Assert.That(raw.Call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("OBJECT", "FREQ", "counted"), Does.StartWith("-ERR An LFU maxmemory policy is not selected"));
    }

    [TestCase("volatile-lru")]
    [TestCase("volatile-lfu")]
    [TestCase("volatile-random")]
    [TestCase("volatile-ttl")]
    public async Task VolatilePoliciesEvictOnlyKeysWithTtlThenRefuse(string policy)
    {
        await using var s = await Small(policy);
        using var raw = s.Raw();
        // Every second key has a TTL; when none is left the server must refuse.
        int accepted = Fill(raw, "k", 5000, i => i % 2 == 0 ? ["EX", (10_000 + i).ToString()] : []);
        Assert.That(accepted, Is.LessThan(5000), "with only persistent keys left, writes are refused");
        for (int i = 1; i < accepted; i += 2) Assert.That(raw.Call("EXISTS", "k" + i), Is.EqualTo(":1"), $"persistent key k{i} was never evicted");
        Assert.That(raw.Call("INFO", "stats"), Does.Not.Contain("evicted_keys:0\r\n"));
    }

    [Test]
    public async Task VolatileTtlEvictsTheSoonestToExpireFirst()
    {
        await using var s = await Small("volatile-ttl");
        using var raw = s.Raw();
        raw.Call("SET", "long-lived", Value, "EX", "1000000");
        for (int i = 0; i < 2000; i++)
            Assert.That(raw.Call("SET", "t" + i, Value, "EX", (100_000 - i).ToString()), Is.EqualTo("+OK"));
        Assert.That(raw.Call("EXISTS", "long-lived"), Is.EqualTo(":1"));
    }

    [Test]
    public async Task MaxMemoryCapsUsageBelowTheRegionSize()
    {
        await using var s = await ServerInstance.StartAsync("--pbuf-memory", "16mb", "--maxmemory", "1mb");
        using var raw = s.Raw();
        int accepted = Fill(raw, "k", 20000);
        Assert.That(accepted, Is.InRange(100, 1100), "maxmemory, not the 16 MB region, is the limit");
        // A script's write is refused too (the error raised in it); its reads and deletes are not.
        // The refusal compacted the log, which may pack the values into fewer buffers and make
        // room for a few more writes (how many depends on how the frames arrived): scripts write
        // until the cap is reached again.
        string reply = "+OK";
        for (int i = 0; i < 2000 && reply == "+OK"; i++)
            reply = raw.Call("EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "more" + i, Value);
        Assert.That(reply, Does.StartWith(Oom + " script: "));
        Assert.That(raw.Call("EVAL", "return redis.call('exists', 'k0')", "0"), Is.EqualTo(":1"));
        Assert.That(raw.Call("CONFIG", "SET", "maxmemory", "4mb"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("SET", "more", Value), Is.EqualTo("+OK"), "raising maxmemory at run time lets writes in");
    }
}
