using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Aof;

/// <summary>Compaction keeps the log and the packet buffers proportional to live data (invariant 6).</summary>
[TestFixture]
public class CompactionTests
{
    private static double Field(string info, string name) =>
        double.Parse(Regex.Match(info, name + @":([\d.]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// SORT … GET w_* STORE reads keys its command does not name. Run while a compaction
    /// walks the keyspace (hz 1, 20 000 keys: several steps), the new log would get those
    /// keys' base records after SORT's record; replayed, SORT found them missing (the
    /// randomized differential test's seed 254). It is logged as its result now.
    /// </summary>
    [Test]
    public async Task SortStoreThroughPatternsDuringACompactionReplaysAsItRan()
    {
        var server = await ServerInstance.StartAsync("--pbuf-memory", "64mb", "--auto-aof-rewrite-percentage", "0");
        List<string> expected;
        using (var raw = server.Raw())
        {
            for (int b = 0; b < 20; b++)
                Assert.That(raw.Call(["MSET", .. Enumerable.Range(b * 1000, 1000).SelectMany(i => new[] { "filler:" + i, "f" })]), Is.EqualTo("+OK"));
            Assert.That(raw.Call(["MSET", .. Enumerable.Range(0, 200).SelectMany(i => new[] { "w_" + i, "v" + i })]), Is.EqualTo("+OK"));
            Assert.That(raw.Call(["RPUSH", "src", .. Enumerable.Range(0, 200).Select(i => i.ToString())]), Is.EqualTo(":200"));
            Assert.That(raw.Call("CONFIG", "SET", "hz", "1"), Is.EqualTo("+OK"));
            Assert.That(raw.Call("BGREWRITEAOF"), Is.EqualTo("+Background append only file rewriting started"));
            Assert.That(raw.Call("SORT", "src", "BY", "nosort", "GET", "w_*", "STORE", "dst"), Is.EqualTo(":200"));
            Assert.That(raw.Call("SORT", "src", "BY", "w_*", "ALPHA", "GET", "#", "GET", "w_*", "STORE", "dst2"), Is.EqualTo(":400"));
            expected = [raw.Call("LRANGE", "dst", "0", "-1"), raw.Call("LRANGE", "dst2", "0", "-1")];
            Assert.That(expected[0], Does.Contain("$v199"));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Compaction.InProgress(raw) && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.That(Compaction.InProgress(raw), Is.False);
        }
        await server.StopKeepingDataAsync();
        await using var again = await ServerInstance.StartOnAsync(server.DataDir, "--pbuf-memory", "64mb");
        using var check = again.Raw();
        Assert.That(new[] { check.Call("LRANGE", "dst", "0", "-1"), check.Call("LRANGE", "dst2", "0", "-1") }, Is.EqualTo(expected));
    }

    [Test]
    public async Task RandomOverwritesThenRewriteStayWithinOneAndAHalfTimesLiveBytes()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "64mb", "--auto-aof-rewrite-percentage", "0");
        using var raw = server.Raw();
        const int keys = 4000;
        var rnd = new Random(1);
        var batch = new MemoryStream();
        for (int i = 0; i < 20_000; i++)
        {
            batch.Write(RawClient.Command("SET", "rk" + (i < keys ? i : rnd.Next(keys)), new string('r', 1024)));
            if (i % 100 == 99)
            {
                raw.Send(batch.ToArray());
                batch.SetLength(0);
                for (int j = 0; j < 100; j++) Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
            }
        }
        var before = raw.Call("INFO", "paste");
        Assert.That(Field(before, "space_amplification"), Is.GreaterThan(3), "the log pins every overwritten frame until compaction");
        long logBefore = (long)Field(raw.Call("INFO", "persistence"), "aof_current_size");

        Compaction.Run(raw);
        var after = raw.Call("INFO", "paste");
        Assert.That(Field(after, "live_value_bytes"), Is.EqualTo(keys * 1024));
        Assert.That(Field(after, "space_amplification"), Is.LessThanOrEqualTo(1.5), after + raw.Call("INFO", "persistence"));
        var persistence = raw.Call("INFO", "persistence");
        Assert.That(Field(persistence, "aof_current_size"), Is.LessThan(logBefore / 3));
        Assert.That(Field(persistence, "aof_records"), Is.EqualTo(keys));

        await server.RestartAsync();
        using var check = server.Raw();
        Assert.That(check.Call("DBSIZE"), Is.EqualTo(":" + keys));
        Assert.That(check.Call("GET", "rk17"), Is.EqualTo("$" + new string('r', 1024)));
    }

    /// <summary>
    /// Encodings only grow, so a collection that shrank back under the limits would come back
    /// from compaction's commands in the small encoding: OBJECT ENCODING, SSCAN/ZSCAN order and
    /// a skip list's -0 scores (a listpack stores 0) would change across a restart. Compaction
    /// rebuilds them as they were.
    /// </summary>
    [Test]
    public async Task CollectionsKeepTheirEncodingAndNegativeZeroScoresThroughACompaction()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "16mb");
        var longMember = new string('l', 70);
        using (var raw = server.Raw())
        {
            Assert.That(raw.Call("ZADD", "z", "1", longMember, "-0", "a", "2", "b"), Is.EqualTo(":3"));
            Assert.That(raw.Call("ZREM", "z", longMember), Is.EqualTo(":1"));
            Assert.That(raw.Call("ZADD", "small", "-0", "a"), Is.EqualTo(":1"));
            Assert.That(raw.Call("HSET", "h", "f", "v", longMember, "x"), Is.EqualTo(":2"));
            Assert.That(raw.Call("HDEL", "h", longMember), Is.EqualTo(":1"));
            Assert.That(raw.Call("SADD", "s", "1", "2", "x"), Is.EqualTo(":3"));
            Assert.That(raw.Call("SREM", "s", "x"), Is.EqualTo(":1"));
            Assert.That(raw.Call("ZSCORE", "z", "a"), Is.EqualTo("$-0"));
            Assert.That(raw.Call("ZSCORE", "small", "a"), Is.EqualTo("$0"), "a listpack stores 0, as in Redis");
            Compaction.Run(raw);
        }
        await server.RestartAsync();
        using var after = server.Raw();
        Assert.That(after.Call("ZSCORE", "z", "a"), Is.EqualTo("$-0"));
        Assert.That(after.Call("ZRANGE", "z", "0", "-1", "WITHSCORES"), Is.EqualTo("*[$a,$-0,$b,$2]"), "the placeholder added for the rebuild is gone");
        Assert.That(after.Call("ZSCORE", "small", "a"), Is.EqualTo("$0"));
        Assert.That(after.Call("HGETALL", "h"), Is.EqualTo("*[$f,$v]"));
        Assert.That(after.Call("SMEMBERS", "s"), Is.EqualTo("*[$1,$2]").Or.EqualTo("*[$2,$1]"));
        foreach (var (key, encoding) in new[] { ("z", "skiplist"), ("small", "listpack"), ("h", "hashtable"), ("s", "hashtable") })
            Assert.That(after.Call("OBJECT", "ENCODING", key), Is.EqualTo("$" + encoding), key);
    }

    [Test]
    public async Task AutomaticRewriteKeepsTheLogBounded()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "64mb",
            "--auto-aof-rewrite-percentage", "100", "--auto-aof-rewrite-min-size", "1mb");
        using var raw = server.Raw();
        var batch = new MemoryStream();
        for (int i = 0; i < 60_000; i++)
        {
            batch.Write(RawClient.Command("INCR", "auto:" + i % 100));
            if (i % 1000 == 999)
            {
                raw.Send(batch.ToArray());
                batch.SetLength(0);
                for (int j = 0; j < 1000; j++) raw.ReadReply();
                Thread.Sleep(5); // let the cron run
            }
        }
        Thread.Sleep(300);
        var info = raw.Call("INFO", "persistence");
        Assert.That(Field(info, "aof_rewrites"), Is.GreaterThanOrEqualTo(1), info);
        Assert.That(Field(info, "aof_current_size"), Is.LessThan(2.5 * 1024 * 1024), "60 K records would be ~2.4 MB without rewrites");
        await server.RestartAsync();
        using var check = server.Raw();
        Assert.That(check.Call("GET", "auto:7"), Is.EqualTo("$600"));
    }

    [Test]
    public async Task ScarcePacketBuffersStartACompactionFromTheCronBeforeAnyWriteFindsTheRegionFull()
    {
        // The log's own bytes stay far below auto-aof-rewrite-min-size (64 MB); the values its
        // records keep alive fill the packet buffers. The cron must compact when fewer than a
        // quarter are free, with no write waiting on it.
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "8mb", "--hz", "50");
        using var raw = server.Raw();
        long total = (long)Field(raw.Call("INFO", "paste"), "pbufs_total");
        var value = new string('s', 1024);
        var batch = new MemoryStream();
        for (int i = 0; i < 50; i++) batch.Write(RawClient.Command("SET", "hot", value));
        var frames = batch.ToArray();
        int batches = 0;
        // Overwrite one key until three quarters of the buffers are pinned (far above the reserve
        // at which a write would compact synchronously).
        while (Field(raw.Call("INFO", "paste"), "pbufs_free") >= total / 4 && batches < 10_000)
        {
            raw.Send(frames);
            for (int j = 0; j < 50; j++) Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
            batches++;
        }
        Assert.That(Field(raw.Call("INFO", "persistence"), "aof_current_size"), Is.LessThan(1024 * 1024), "the log itself is small");
        // No more writes: the buffers must come back by the cron's doing alone. (It may already
        // have compacted once while the loop ran, the first time the quarter was crossed.)
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Field(raw.Call("INFO", "paste"), "pbufs_free") <= total * 3 / 4 && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.That(Field(raw.Call("INFO", "paste"), "pbufs_free"), Is.GreaterThan(total * 3 / 4), "the overwritten values' buffers came back");
        Assert.That(Field(raw.Call("INFO", "persistence"), "aof_rewrites"), Is.GreaterThanOrEqualTo(1), "by a compaction the cron started");
        Assert.That(raw.Call("GET", "hot"), Is.EqualTo("$" + value));
    }

    [Test]
    public async Task PinnedPacketBuffersGrowingPastTheRewriteRuleStartACompactionLongBeforeTheyAreScarce()
    {
        // The log's records stay far below auto-aof-rewrite-min-size, and the buffers far from
        // scarce (4 MB of 64); the dead values' buffers pinned past min-size (and past the
        // percentage over those pinned after the last rewrite) are what starts the rewrite.
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "64mb", "--hz", "50",
            "--auto-aof-rewrite-percentage", "100", "--auto-aof-rewrite-min-size", "4mb");
        using var raw = server.Raw();
        long total = (long)Field(raw.Call("INFO", "paste"), "pbufs_total");
        long pinnedBase = (long)Field(raw.Call("INFO", "persistence"), "aof_base_pbuf_bytes");
        Assert.That(pinnedBase, Is.LessThan(1024 * 1024), "an empty server pins next to nothing");
        var value = new string('p', 1024);
        var frames = Enumerable.Range(0, 50).SelectMany(_ => RawClient.Command("SET", "hot", value)).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Field(raw.Call("INFO", "persistence"), "aof_rewrites") == 0 && DateTime.UtcNow < deadline)
        {
            raw.Send(frames);
            for (int j = 0; j < 50; j++) Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
            Assert.That(Field(raw.Call("INFO", "paste"), "pbufs_free"), Is.GreaterThan(total * 3 / 4), "compacted before the buffers got scarce");
        }
        var info = raw.Call("INFO", "persistence");
        Assert.That(Field(info, "aof_rewrites"), Is.GreaterThanOrEqualTo(1), "the cron compacted");
        Assert.That(Field(info, "aof_current_size"), Is.LessThan(1024 * 1024), "the log's own size did not ask for it");
        Assert.That(Field(info, "aof_base_pbuf_bytes"), Is.LessThan(4 * 1024 * 1024), "after the rewrite only the live value and the buffers in use stay pinned");
        Assert.That(raw.Call("GET", "hot"), Is.EqualTo("$" + value));

        // Live data is not dead weight: 12 MB of distinct keys rewrite a bounded number of
        // times (each rewrite raises the base), not at every tick past min-size.
        long before = (long)Field(info, "aof_rewrites");
        var batch = new MemoryStream();
        for (int i = 0; i < 12_000; i++)
        {
            batch.Write(RawClient.Command("SET", "live:" + i, value));
            if (i % 100 == 99)
            {
                raw.Send(batch.ToArray());
                batch.SetLength(0);
                for (int j = 0; j < 100; j++) Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
            }
        }
        Thread.Sleep(500);
        info = raw.Call("INFO", "persistence");
        Assert.That(Field(info, "aof_rewrites") - before, Is.InRange(1, 3), info);
        Assert.That(Field(info, "aof_base_pbuf_bytes"), Is.GreaterThanOrEqualTo(4 * 1024 * 1024), "the base grew with the live data");
        await server.RestartAsync();
        using var check = server.Raw();
        Assert.That(check.Call("DBSIZE"), Is.EqualTo(":12001"));
        Assert.That(check.Call("GET", "live:11999"), Is.EqualTo("$" + value));
    }

    /// <summary>
    /// redis-benchmark's SET -r: random overwrites of a small keyspace leave most buffers
    /// partly live. With the default rule (min-size 64 MB = the whole region here) nothing
    /// compacted until the region was full, and then the compaction forced by a write needed
    /// fresh buffers for its records that the full region no longer had: every write after
    /// that answered -OOM, for good (seen at 512 MB with 100 000 keys of 1 KB).
    /// </summary>
    /// <remarks>
    /// "SET": a compaction finds its records' text where the values arrived and writes none
    /// of it. "set": it writes all of it fresh, from the buffers held back for the log (what
    /// the last compaction took) and, past them, whole records inline in the log.
    /// </remarks>
    [Test]
    public async Task RandomOverwritesOfManyTimesTheRegionNeverRunItOut([Values("SET", "set")] string command)
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "64mb");
        using var raw = server.Raw();
        // Long keys: a compaction's records (SET, the key, the lengths) are written fresh,
        // about 150 bytes a key here, 4.5 MB for all: more than the buffers held back.
        var value = new string('r', 512);
        string Key(int k) => "k:" + k.ToString("D6") + new string('x', 90);
        var random = new Random(7);
        var last = new Dictionary<int, int>();
        var batch = new MemoryStream();
        const int Keys = 30_000, Depth = 64;
        for (int i = 0; i < 400_000 / Depth; i++)
        {
            batch.SetLength(0);
            for (int j = 0; j < Depth; j++)
            {
                int key = random.Next(Keys);
                last[key] = i;
                batch.Write(RawClient.Command(command, Key(key), value[..^8] + i.ToString("D8")));
            }
            raw.Send(batch.ToArray());
            for (int j = 0; j < Depth; j++)
            {
                var reply = raw.ReadReply();
                if (reply != "+OK") Assert.Fail($"SET {i * Depth + j} answered {reply}");
            }
        }
        var info = raw.Call("INFO", "persistence");
        Assert.That(Field(info, "aof_rewrites"), Is.GreaterThanOrEqualTo(2), info);
        if (command == "SET") Assert.That(Field(info, "aof_rewrite_received_affixes"), Is.GreaterThan(Keys), info);
        else Assert.That(Field(info, "aof_rewrite_received_affixes"), Is.Zero, info);
        await server.RestartAsync();
        using var check = server.Raw();
        Assert.That(check.Call("DBSIZE"), Is.EqualTo(":" + last.Count));
        foreach (var (key, i) in last.Take(200))
            Assert.That(check.Call("GET", Key(key)), Is.EqualTo("$" + value[..^8] + i.ToString("D8")));
    }

    /// <summary>
    /// A list of two thirds of the region (41 MB of 64), built while 1 KB overwrites churn the buffers. A
    /// compaction writes the list anew (its elements live in managed memory) while the old
    /// log still pins every RPUSH frame: written into packet buffers, it could not complete
    /// once they filled up (at 33 MB of list), and every write answered -OOM, even after the
    /// list was deleted. The log holds composed commands inline now.
    /// </summary>
    [Test]
    public async Task AListOfTwoThirdsOfTheRegionStillCompactsAndDeletingItLetsWritesIn()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "64mb");
        using var raw = server.Raw();
        var element = new string('e', 250);
        var value = new string('v', 1024);
        var batch = new MemoryStream();
        const int Elements = 160_000;
        for (int i = 0; i < Elements; i++)
        {
            batch.Write(RawClient.Command("RPUSH", "big", element + i.ToString("D6")));
            batch.Write(RawClient.Command("SET", "churn:" + (i % 1000), value));
            if (i % 50 == 49)
            {
                raw.Send(batch.ToArray());
                batch.SetLength(0);
                for (int j = 0; j < 100; j++)
                {
                    var reply = raw.ReadReply();
                    if (reply.StartsWith('-')) Assert.Fail($"command {i * 2 - 98 + j} of the batch ending at element {i} answered {reply}");
                }
            }
        }
        var info = raw.Call("INFO", "persistence");
        Assert.That(Field(info, "aof_rewrites"), Is.GreaterThanOrEqualTo(2), info);
        Assert.That(raw.Call("LLEN", "big"), Is.EqualTo(":" + Elements));
        await server.RestartAsync();
        using var check = server.Raw();
        Assert.That(check.Call("LLEN", "big"), Is.EqualTo(":" + Elements));
        Assert.That(check.Call("LINDEX", "big", "-1"), Is.EqualTo("$" + element + (Elements - 1).ToString("D6")));
        Assert.That(check.Call("DEL", "big"), Is.EqualTo(":1"));
        for (int i = 0; i < 70_000; i++)
        {
            batch.Write(RawClient.Command("SET", "after:" + (i % 5000), value));
            if (i % 100 == 99)
            {
                check.Send(batch.ToArray());
                batch.SetLength(0);
                for (int j = 0; j < 100; j++) Assert.That(check.ReadReply(), Is.EqualTo("+OK"), "after the list is gone");
            }
        }
    }

    [Test]
    public async Task RewritesInterleavedWithConcurrentWritersLoseNothing()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "64mb");
        using var stop = new CancellationTokenSource();
        var acked = Enumerable.Range(0, 3).Select(_ => new Dictionary<string, string>()).ToArray();
        var writers = Enumerable.Range(0, 3).Select(w => Task.Factory.StartNew(() =>
        {
            using var raw = server.Raw();
            int n = 0;
            while (!stop.IsCancellationRequested)
            {
                var key = $"cw:{w}:{n % 300}";
                var value = $"{w}-{n}-" + new string('c', n % 2000);
                Assert.That(raw.Call("SET", key, value), Is.EqualTo("+OK"));
                acked[w][key] = value;
                n++;
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        using (var admin = server.Raw())
            for (int i = 0; i < 30; i++) Compaction.Run(admin);
        stop.Cancel();
        await Task.WhenAll(writers);
        await server.RestartAsync();
        using var check = server.Raw();
        foreach (var dict in acked)
            foreach (var (key, value) in dict)
                Assert.That(check.Call("GET", key), Is.EqualTo("$" + value), key);
    }

    /// <summary>SET w0..w(n-1) = v0.., a thousand per pipelined batch (enough keys that a rewrite takes several cron ticks).</summary>
    private static void SetPipelined(RawClient raw, int n)
    {
        var batch = new MemoryStream();
        for (int i = 0; i < n; i++)
        {
            batch.Write(RawClient.Command("SET", "w" + i, "v" + i));
            if (i % 1000 == 999)
            {
                raw.Send(batch.ToArray());
                batch.SetLength(0);
                raw.ReadBytes(1000 * 5);
            }
        }
    }

    [Test]
    public async Task WritesAreServedWhileARewriteRuns()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "256mb", "--hz", "10");
        using var raw = server.Raw();
        const int keys = 60_000;
        SetPipelined(raw, keys);
        Assert.That(raw.Call("BGREWRITEAOF"), Is.EqualTo("+Background append only file rewriting started"));
        Assert.That(Compaction.InProgress(raw), Is.True, "60 K keys take several cron ticks");
        // Served meanwhile: new keys, overwrites, a rename of a key the walk has not reached yet.
        Assert.That(raw.Call("SET", "during", "yes"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("SET", "w59999", "changed"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("RENAME", "w59998", "renamed"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("INCR", "w59997x"), Is.EqualTo(":1"));
        Assert.That(raw.Call("RPUSH", "during-list", "a", "b"), Is.EqualTo(":2"));
        Assert.That(raw.Call("DEL", "w0"), Is.EqualTo(":1"));
        Assert.That(raw.Call("GET", "w5"), Is.EqualTo("$v5"));
        Assert.That(Compaction.InProgress(raw), Is.True, "those were served during the rewrite");
        Assert.That(raw.Call("BGREWRITEAOF"), Is.EqualTo("-ERR Background append only file rewriting already in progress"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Compaction.InProgress(raw) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.That(Compaction.InProgress(raw), Is.False);
        Assert.That(Field(raw.Call("INFO", "persistence"), "aof_rewrites"), Is.GreaterThanOrEqualTo(1));
        await server.RestartAsync();
        using var check = server.Raw();
        Assert.That(check.Call("DBSIZE"), Is.EqualTo(":" + (keys - 1 + 3)));
        Assert.That(check.Call("LRANGE", "during-list", "0", "-1"), Is.EqualTo("*[$a,$b]"), "created during the rewrite: its RPUSH is in the new log once, not followed by a base record");
        Assert.That(check.Call("GET", "during"), Is.EqualTo("$yes"));
        Assert.That(check.Call("GET", "w59999"), Is.EqualTo("$changed"));
        Assert.That(check.Call("GET", "renamed"), Is.EqualTo("$v59998"));
        Assert.That(check.Call("EXISTS", "w59998"), Is.EqualTo(":0"));
        Assert.That(check.Call("EXISTS", "w0"), Is.EqualTo(":0"));
        Assert.That(check.Call("GET", "w59997x"), Is.EqualTo("$1"));
        Assert.That(check.Call("GET", "w12345"), Is.EqualTo("$v12345"));
    }

    /// <summary>
    /// SWAPDB, MOVE and COPY across databases while the rewrite walks them by number: the
    /// keys that change database must be in the new log once each (a swap with a database
    /// the walk has passed would otherwise leave the keys it brings there out).
    /// </summary>
    [Test]
    public async Task SwapDbMoveAndCopyDuringARewriteKeepEveryKey()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "256mb", "--hz", "10");
        using var raw = server.Raw();
        const int keys = 60_000;
        SetPipelined(raw, keys);
        raw.Call("SELECT", "9");
        for (int i = 0; i < 50; i++) raw.Call("SET", "nine" + i, "9-" + i);
        raw.Call("RPUSH", "nine-list", "a", "b");
        raw.Call("SELECT", "0");
        Assert.That(raw.Call("BGREWRITEAOF"), Is.EqualTo("+Background append only file rewriting started"));
        Thread.Sleep(150); // a cron tick or two: the walk is inside db 0
        Assert.That(Compaction.InProgress(raw), Is.True, "60 K keys take several cron ticks");
        Assert.That(raw.Call("SWAPDB", "0", "9"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("MOVE", "nine1", "3"), Is.EqualTo(":1"));
        Assert.That(raw.Call("COPY", "nine2", "nine2", "DB", "4"), Is.EqualTo(":1"));
        Assert.That(raw.Call("COPY", "nine-list", "copied-list", "DB", "9"), Is.EqualTo(":1"));
        raw.Call("SELECT", "9");
        Assert.That(raw.Call("MOVE", "w7", "5"), Is.EqualTo(":1"));
        Assert.That(Compaction.InProgress(raw), Is.True, "those were served during the rewrite");
        await RewriteEndsAndARestartKeepsTheKeyspace(server, raw, keys + 50 + 1 + 2);
    }

    /// <summary>Waits for the rewrite in progress to end well, then restarts: the keyspace comes back exactly (<paramref name="keys"/> keys).</summary>
    private static async Task<RawClient> RewriteEndsAndARestartKeepsTheKeyspace(ServerInstance server, RawClient raw, int keys)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Compaction.InProgress(raw) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.That(raw.Call("INFO", "persistence"), Does.Contain("aof_last_bgrewrite_status:ok"));
        var before = KeyspaceDump.Take(raw);
        Assert.That(before, Has.Count.EqualTo(keys));
        await server.RestartAsync();
        var check = server.Raw();
        var after = KeyspaceDump.Take(check);
        var differ = before.Where(kv => !after.TryGetValue(kv.Key, out var v) || v != kv.Value).Select(kv => kv.Key)
            .Concat(after.Keys.Where(k => !before.ContainsKey(k))).Take(10).ToList();
        Assert.That(differ, Is.Empty, string.Join("; ", differ.Select(k => $"{k}: {before.GetValueOrDefault(k)} -> {after.GetValueOrDefault(k)}")));
        return check;
    }

    /// <summary>
    /// Writes during a rewrite to keys its walk has not reached yet, whose records read
    /// them by position (RENAME's source first, BITOP's and SUNIONSTORE's sources up to the
    /// last argument, LMOVE's source) and create keys the walk then skips: each source's
    /// base record must come before the write's record, found from the command's key
    /// range. A restart brings back exactly what was served.
    /// </summary>
    [Test]
    public async Task WritesReadingUnwalkedKeysByPositionDuringARewriteReplayAsTheyRan()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "256mb", "--hz", "10");
        using var raw = server.Raw();
        const int keys = 60_000;
        SetPipelined(raw, keys);
        raw.Call("RPUSH", "srclist", "a", "b", "c");
        raw.Call("SADD", "s1", "x", "y");
        raw.Call("SADD", "s2", "y", "z");
        Assert.That(raw.Call("BGREWRITEAOF"), Is.EqualTo("+Background append only file rewriting started"));
        Assert.That(Compaction.InProgress(raw), Is.True, "60 K keys take several cron ticks");
        Assert.That(raw.Call("RENAME", "w59990", "renamed"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("BITOP", "OR", "bitdest", "w59991", "w59992", "w59999"), Is.EqualTo(":6"));
        Assert.That(raw.Call("SUNIONSTORE", "setdest", "s1", "s2"), Is.EqualTo(":3"));
        Assert.That(raw.Call("LMOVE", "srclist", "dstlist", "LEFT", "RIGHT"), Is.EqualTo("$a"));
        Assert.That(raw.Call("APPEND", "w59998", "+"), Is.EqualTo(":7"));
        Assert.That(Compaction.InProgress(raw), Is.True, "those were served during the rewrite");
        using var check = await RewriteEndsAndARestartKeepsTheKeyspace(server, raw, keys + 3 + 3);
        Assert.That(check.Call("GET", "renamed"), Is.EqualTo("$v59990"));
    }

    /// <summary>
    /// A compaction's walk over the keyspace allocates nothing per key (it used to take a
    /// list and two enumerators for each string's extents): 20 K keys, the whole rewrite
    /// run on this thread under the execution lock, its switch included.
    /// </summary>
    [Test]
    public async Task ACompactionsWalkAllocatesNothingPerKey()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "64mb", "--auto-aof-rewrite-percentage", "0");
        using var raw = server.Raw();
        const int keys = 20_000;
        SetPipelined(raw, keys);
        var s = server.Server;
        long allocated;
        lock (s.ExecLock)
        {
            var aof = s.Aof!;
            Assert.That(aof.StartRewrite(s), Is.True);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.That(aof.RewriteStep(s, int.MaxValue, releaseInBackground: false), Is.True);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.That(aof.RewriteInProgress, Is.False, "the walk completed and switched logs");
        }
        TestContext.Out.WriteLine($"{allocated} bytes allocated for a rewrite of {keys} keys");
        Assert.That(allocated, Is.LessThan(keys * 8L), "bytes allocated by the walk (the switch's own few KB allowed)");
        Assert.That(raw.Call("GET", "w19999"), Is.EqualTo("$v19999"));
        await ARestartBringsBack(server, keys);
    }

    /// <summary>
    /// At a rewrite's switch the replaced log's references are given back on a thread of
    /// its own, not under the execution lock: the release completes while this test holds
    /// the lock, the rewrite counts as in progress until it has, and then the buffers that
    /// only the old records kept (the overwritten values) are free. A restart finds the data.
    /// </summary>
    [Test]
    public async Task TheReplacedLogsBuffersComeBackOffTheExecutionLock()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "64mb", "--auto-aof-rewrite-percentage", "0");
        using var raw = server.Raw();
        const int keys = 20_000;
        SetPipelined(raw, keys);
        SetPipelined(raw, keys); // every value again: the first ones are dead, kept by the log alone
        var s = server.Server;
        var pool = s.Pool!;
        lock (s.ExecLock)
        {
            var aof = s.Aof!;
            int freeBefore = pool.FreeCount;
            Assert.That(aof.StartRewrite(s), Is.True);
            Assert.That(aof.RewriteStep(s, int.MaxValue), Is.True);
            Assert.That(Task.Run(aof.WaitForRelease).Wait(TimeSpan.FromSeconds(10)), Is.True,
                "the old log's buffers come back while another thread holds the execution lock");
            Assert.That(aof.RewriteInProgress, Is.False);
            // The first round's 20 K frames filled ~150 buffers; only the old log kept them.
            Assert.That(pool.FreeCount - freeBefore, Is.GreaterThan(50), "buffers that only the old records kept are free");
        }
        Assert.That(raw.Call("INFO", "persistence"), Does.Contain("aof_rewrite_in_progress:0"));
        await ARestartBringsBack(server, keys);
    }

    /// <summary>After a restart, the <paramref name="keys"/> keys SetPipelined wrote are all there.</summary>
    private static async Task ARestartBringsBack(ServerInstance server, int keys)
    {
        await server.RestartAsync();
        using var check = server.Raw();
        Assert.That(check.Call("DBSIZE"), Is.EqualTo(":" + keys));
        foreach (int i in new[] { 0, keys / 3, keys - 1 }) Assert.That(check.Call("GET", "w" + i), Is.EqualTo("$v" + i));
    }

    /// <summary>
    /// SIGTERM while a rewrite walks 60 K keys: the rewrite is dropped as Redis drops its
    /// rewriting child ("Killing it!"), not reported as a failed rewrite, and the log it
    /// leaves brings every key back.
    /// </summary>
    [Test]
    public void ShutdownDuringARewriteDropsItAndKeepsTheLog()
    {
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        const int keys = 60_000;
        try
        {
            using (var server = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "256mb", "--hz", "10"))
            {
                using var raw = new RawClient(port);
                SetPipelined(raw, keys);
                Assert.That(raw.Call("BGREWRITEAOF"), Is.EqualTo("+Background append only file rewriting started"));
                Assert.That(Compaction.InProgress(raw), Is.True, "60 K keys take several cron ticks");
                server.Signal("TERM");
                Assert.That(server.WaitForExit(15_000), Is.True);
                Assert.That(server.Output, Does.Contain("There is a child rewriting the AOF. Killing it!"));
                Assert.That(server.Output, Does.Not.Contain("AOF rewrite failed"));
            }
            Assert.That(File.Exists(Path.Combine(dir, "aof.pmem.rewrite")), Is.False, "the dropped rewrite's file is removed");
            using var again = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "256mb");
            using var check = new RawClient(port);
            Assert.That(check.Call("DBSIZE"), Is.EqualTo(":" + keys));
            Assert.That(check.Call("GET", "w59999"), Is.EqualTo("$v59999"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void SigtermUnderLoadLosesNothingAcknowledged()
    {
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        var acked = new Dictionary<string, string>();
        Exception? writerError = null;
        try
        {
            using (var server = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "32mb", "--appendfsync", "everysec"))
            {
                var writer = new Thread(() =>
                {
                    try
                    {
                        using var raw = new RawClient(port);
                        for (int n = 0; ; n++)
                        {
                            var key = "t" + n % 500;
                            var value = $"{n}-" + new string('t', n % 700);
                            if (raw.Call("SET", key, value) != "+OK") return;
                            lock (acked) acked[key] = value;
                        }
                    }
                    catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or EndOfStreamException) { }
                    catch (Exception e) { writerError = e; } // asserted below, never crashes the test host
                });
                writer.Start();
                Thread.Sleep(700);
                server.Signal("TERM");
                Assert.That(server.WaitForExit(15_000), Is.True);
                writer.Join();
                Assert.That(writerError, Is.Null, writerError?.ToString());
                Assert.That(server.Output, Does.Contain("Log made durable on shutdown"));
            }
            Assert.That(acked, Is.Not.Empty);
            using var again = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "32mb");
            using var check = new RawClient(port);
            foreach (var (key, value) in acked) Assert.That(check.Call("GET", key), Is.EqualTo("$" + value), key);
        }
        finally { Directory.Delete(dir, true); }
    }
}
