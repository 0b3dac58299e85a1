namespace PasteRedis.Tests.Commands;

/// <summary>
/// MOVE, COPY and SWAPDB: what StackExchange.Redis's KeyMove/KeyCopy do, what WATCH and
/// blocked clients see (as Redis: COPY touches the destination only, SWAPDB every watched
/// key that exists on either side), and that a copy shares its packet buffers safely.
/// Replies against the real redis-server are in the differential corpus; replay across a
/// restart in RecoveryTests; SWAPDB during a rewrite in CompactionTests.
/// </summary>
[TestFixture]
public class MoveCopySwapDbTests : ServerFixture
{
    protected override bool UsesMultiplexer => true;
    protected override string[] ServerArgs => ["--pbuf-memory", "16mb", "--enable-debug-command", "local"];

    private static string Key() => "k:" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task KeyMoveTakesValueAndTtlAndRefusesAnExistingTarget()
    {
        var db0 = Mux.GetDatabase(0);
        var db1 = Mux.GetDatabase(1);
        string a = Key(), b = Key();
        await db0.StringSetAsync(a, "moving", TimeSpan.FromSeconds(500));
        Assert.That(await db0.KeyMoveAsync(a, 1), Is.True);
        Assert.That(await db0.KeyExistsAsync(a), Is.False);
        Assert.That((string?)await db1.StringGetAsync(a), Is.EqualTo("moving"));
        Assert.That((await db1.KeyTimeToLiveAsync(a))!.Value.TotalSeconds, Is.InRange(490, 500));
        await db0.StringSetAsync(b, "here");
        await db1.StringSetAsync(b, "there");
        Assert.That(await db0.KeyMoveAsync(b, 1), Is.False);
        Assert.That((string?)await db0.StringGetAsync(b), Is.EqualTo("here"));
        Assert.That(await db0.KeyMoveAsync(Key(), 1), Is.False);
        var e = Assert.ThrowsAsync<RedisServerException>(() => db0.KeyMoveAsync(b, 0));
        Assert.That(e!.Message, Is.EqualTo("ERR source and destination objects are the same"));
    }

    [Test]
    public async Task KeyCopyOfEveryTypeIsIndependentOfTheOriginal()
    {
        var db = Mux.GetDatabase(0);
        var db3 = Mux.GetDatabase(3);
        string s = Key(), l = Key(), h = Key(), set = Key(), z = Key();
        await db.StringSetAsync(s, "text", TimeSpan.FromSeconds(300));
        await db.ListRightPushAsync(l, ["a", "b"]);
        await db.HashSetAsync(h, [new("f", "1"), new("g", "2")]);
        await db.SetAddAsync(set, ["x", "y"]);
        await db.SortedSetAddAsync(z, [new("m", 1), new("n", 2)]);
        foreach (var key in new[] { s, l, h, set, z })
            Assert.That(await db.KeyCopyAsync(key, key + ":copy"), Is.True, key);
        Assert.That((string?)await db.StringGetAsync(s + ":copy"), Is.EqualTo("text"));
        Assert.That((await db.KeyTimeToLiveAsync(s + ":copy"))!.Value.TotalSeconds, Is.InRange(290, 300));
        await db.ListRightPushAsync(l + ":copy", "c");
        await db.HashSetAsync(h + ":copy", "f", "changed");
        await db.SetAddAsync(set + ":copy", "z");
        await db.SortedSetAddAsync(z + ":copy", "m", 10);
        Assert.That((await db.ListRangeAsync(l)).Select(v => (string?)v), Is.EqualTo(new[] { "a", "b" }));
        Assert.That((string?)await db.HashGetAsync(h, "f"), Is.EqualTo("1"));
        Assert.That(await db.SetLengthAsync(set), Is.EqualTo(2));
        Assert.That(await db.SortedSetScoreAsync(z, "m"), Is.EqualTo(1));
        Assert.That((string?)await db.HashGetAsync(h + ":copy", "g"), Is.EqualTo("2"));

        Assert.That(await db.KeyCopyAsync(s, l), Is.False, "the destination exists");
        Assert.That(await db.KeyCopyAsync(s, l, replace: true), Is.True);
        Assert.That((string?)await db.StringGetAsync(l), Is.EqualTo("text"));
        Assert.That(await db.KeyCopyAsync(h, h, destinationDatabase: 3), Is.True);
        Assert.That((string?)await db3.HashGetAsync(h, "f"), Is.EqualTo("1"));
        Assert.That(await db.KeyCopyAsync(Key(), Key()), Is.False);
    }

    /// <summary>
    /// A copied value lies in the same packet buffer as the original; the buffer must stay
    /// the copy's after the original is deleted, the log compacted and the region reused
    /// several times over (a copy that took no reference of its own would read new bytes).
    /// </summary>
    [Test]
    public void ACopySharesThePacketBufferAndKeepsItThroughReuse()
    {
        using var raw = Server.Raw();
        string src = Key(), dst = Key();
        var value = string.Concat(Enumerable.Range(0, 300).Select(i => $"{i:D9}|"));
        Assert.That(raw.Call("SET", src, value), Is.EqualTo("+OK"));
        Assert.That(raw.Call("COPY", src, dst), Is.EqualTo(":1"));
        string where = Pbufs(raw.Call("DEBUG", "OBJECT", src));
        Assert.That(where, Does.Not.Contain("managed"), "the value arrived whole in a packet buffer");
        Assert.That(Pbufs(raw.Call("DEBUG", "OBJECT", dst)), Is.EqualTo(where), "shared, not copied");
        Assert.That(raw.Call("DEL", src), Is.EqualTo(":1"));
        Compaction.Run(raw);
        var filler = new string('f', 3000);
        for (int round = 0; round < 4; round++)
        {
            for (int i = 0; i < 3000; i++) raw.Send(RawClient.Command("SET", "fill:" + (i % 200), filler));
            for (int i = 0; i < 3000; i++) Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
            Compaction.Run(raw);
        }
        Assert.That(raw.Call("GET", dst), Is.EqualTo("$" + value));
        Assert.That(raw.Call("DEL", dst), Is.EqualTo(":1"));
        for (int i = 0; i < 200; i++) raw.Call("DEL", "fill:" + i);
    }

    private static string Pbufs(string debugObject) => debugObject[debugObject.IndexOf("pbufs:", StringComparison.Ordinal)..];

    [Test]
    public void WatchSeesCopyDestinationAndMoveTargetButNotCopySource()
    {
        using var raw = Server.Raw();
        string src = Key(), dst = Key();
        raw.Call("SET", src, "v");
        // COPY touches the destination only, as Redis: a watcher of the source still commits.
        Assert.That(raw.Call("WATCH", src), Is.EqualTo("+OK"));
        Assert.That(Other(r => r.Call("COPY", src, dst)), Is.EqualTo(":1"));
        Assert.That(Exec(raw), Is.EqualTo("*[+OK]"));
        Assert.That(raw.Call("SELECT", "4"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("WATCH", dst), Is.EqualTo("+OK"));
        Assert.That(Other(r => r.Call("COPY", src, dst, "DB", "4")), Is.EqualTo(":1"));
        Assert.That(Exec(raw), Is.EqualTo("*nil"), "the destination in db 4 changed");
        Assert.That(raw.Call("WATCH", src), Is.EqualTo("+OK"));
        Assert.That(Other(r => r.Call("MOVE", src, "4")), Is.EqualTo(":1"));
        Assert.That(Exec(raw), Is.EqualTo("*nil"), "the key appeared in db 4");
        raw.Call("FLUSHDB");
        raw.Call("SELECT", "0");
        raw.Call("DEL", dst);
    }

    [Test]
    public void SwapDbSwapsKeysTouchesWatchersAndWakesBlockedClients()
    {
        using var raw = Server.Raw();
        using var watcher = Server.Raw();
        using var blocked = Server.Raw();
        string list = Key(), watched = Key();
        raw.Call("SELECT", "6");
        raw.Call("SET", "six", "6");
        raw.Call("RPUSH", list, "from-seven");
        raw.Call("SELECT", "7");
        raw.Call("SET", "seven", "7");
        raw.Call("SET", watched, "only in 7");
        watcher.Call("SELECT", "6");
        Assert.That(watcher.Call("WATCH", watched), Is.EqualTo("+OK"));
        blocked.Call("SELECT", "7");
        blocked.Send(RawClient.Command("BLPOP", list, "10"));
        Thread.Sleep(200); // BLPOP is waiting
        // The list is in db 6 for now: SWAPDB brings it to db 7, where the client waits.
        Assert.That(raw.Call("SWAPDB", "6", "7"), Is.EqualTo("+OK"));
        Assert.That(blocked.ReadReply(), Is.EqualTo($"*[${list},$from-seven]"));
        Assert.That(raw.Call("GET", "six"), Is.EqualTo("$6"), "this connection stays on db 7, which now holds db 6's keys");
        Assert.That(raw.Call("GET", "seven"), Is.EqualTo("$nil"));
        Assert.That(Exec(watcher), Is.EqualTo("*nil"), "the watched key appeared in db 6");
        Assert.That(watcher.Call("GET", watched), Is.EqualTo("$only in 7"));
        Assert.That(raw.Call("SWAPDB", "6", "7"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("GET", "seven"), Is.EqualTo("$7"));
        raw.Call("FLUSHDB");
        raw.Call("SELECT", "6");
        raw.Call("FLUSHDB");
    }

    private string Other(Func<RawClient, string> call)
    {
        using var other = Server.Raw();
        return call(other);
    }

    private static string Exec(RawClient raw)
    {
        Assert.That(raw.Call("MULTI"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("SET", "exec:probe", "x"), Is.EqualTo("+QUEUED"));
        return raw.Call("EXEC");
    }
}
