namespace PasteRedis.Tests.Commands;

[TestFixture]
public class KeyspaceTests : ServerFixture
{
    protected override bool UsesMultiplexer => true;

    private IDatabase Db(int n) => Mux.GetDatabase(n);
    private static string Key() => "k:" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task DelUnlinkExistsTouchType()
    {
        var db = Db(0);
        string a = Key(), b = Key();
        await db.StringSetAsync(a, "1");
        await db.StringSetAsync(b, "2");
        Assert.That((long)await db.ExecuteAsync("EXISTS", a, a, b, Key()), Is.EqualTo(3));
        Assert.That((long)await db.ExecuteAsync("TOUCH", a, Key()), Is.EqualTo(1));
        Assert.That((string?)await db.ExecuteAsync("TYPE", a), Is.EqualTo("string"));
        Assert.That((string?)await db.ExecuteAsync("TYPE", Key()), Is.EqualTo("none"));
        Assert.That(await db.KeyDeleteAsync([a, Key()]), Is.EqualTo(1));
        Assert.That((long)await db.ExecuteAsync("UNLINK", b), Is.EqualTo(1));
        Assert.That(await db.KeyExistsAsync(b), Is.False);
    }

    [Test]
    public async Task RenameAndRenameNxKeepTtl()
    {
        var db = Db(0);
        string a = Key(), b = Key(), c = Key();
        await db.StringSetAsync(a, "v", TimeSpan.FromSeconds(100));
        Assert.That(await db.KeyRenameAsync(a, b), Is.True);
        Assert.That((string?)await db.StringGetAsync(b), Is.EqualTo("v"));
        Assert.That((long)await db.ExecuteAsync("TTL", b), Is.InRange(98, 100));
        Assert.That(await db.KeyExistsAsync(a), Is.False);
        await db.StringSetAsync(c, "other");
        Assert.That(await db.KeyRenameAsync(b, c, When.NotExists), Is.False);
        Assert.That(await db.KeyRenameAsync(b, c), Is.True);
        Assert.That((string?)await db.StringGetAsync(c), Is.EqualTo("v"));
        var ex = Assert.ThrowsAsync<RedisServerException>(() => db.KeyRenameAsync(Key(), Key()));
        Assert.That(ex!.Message, Is.EqualTo("ERR no such key"));
    }

    [Test]
    public async Task KeysScanAndRandomKeyInOwnDatabase()
    {
        var db = Db(5);
        await db.ExecuteAsync("FLUSHDB");
        for (int i = 0; i < 250; i++) await db.StringSetAsync($"user:{i}", i);
        await db.StringSetAsync("other", 1);
        var keys = (RedisResult[])(await db.ExecuteAsync("KEYS", "user:1?"))!;
        Assert.That(keys.Select(k => (string)k!).OrderBy(x => x), Is.EqualTo(Enumerable.Range(10, 10).Select(i => $"user:{i}")));
        var server = Mux.GetServer(Server.EndPoint);
        var scanned = server.Keys(5, "user:*", pageSize: 17).Select(k => (string)k!).ToHashSet();
        Assert.That(scanned, Has.Count.EqualTo(250));
        Assert.That((long)await db.ExecuteAsync("DBSIZE"), Is.EqualTo(251));
        var random = (string?)await db.ExecuteAsync("RANDOMKEY");
        Assert.That(random, Is.Not.Null);
        Assert.That(await db.KeyExistsAsync(random), Is.True);
        var typed = (RedisResult[])(await db.ExecuteAsync("SCAN", "0", "COUNT", "1000", "TYPE", "hash"))!;
        Assert.That(((RedisResult[])typed[1]!).Length, Is.EqualTo(0));
        Assert.That((string?)typed[0], Is.EqualTo("0"));
        await db.ExecuteAsync("FLUSHDB");
        Assert.That((string?)await db.ExecuteAsync("RANDOMKEY"), Is.Null);
    }

    [Test]
    public async Task ScanReturnsEveryKeyPresentThroughoutDespiteDeletes()
    {
        var db = Db(6);
        await db.ExecuteAsync("FLUSHDB");
        for (int i = 0; i < 500; i++) await db.StringSetAsync($"stay:{i}", i);
        for (int i = 0; i < 500; i++) await db.StringSetAsync($"go:{i}", i);
        var seen = new HashSet<string>();
        long cursor = 0;
        int round = 0;
        do
        {
            var r = (RedisResult[])(await db.ExecuteAsync("SCAN", cursor.ToString(), "COUNT", "37"))!;
            cursor = long.Parse((string)r[0]!);
            foreach (var k in (RedisResult[])r[1]!) seen.Add((string)k!);
            // Mutate mid-scan: delete the temporary keys and add new ones.
            if (round++ == 3)
                for (int i = 0; i < 500; i++) { await db.KeyDeleteAsync($"go:{i}"); await db.StringSetAsync($"new:{i}", i); }
        } while (cursor != 0);
        for (int i = 0; i < 500; i++) Assert.That(seen, Does.Contain($"stay:{i}"));
    }

    [Test]
    public async Task SelectIsolatesDatabasesAndFlushAllClearsAll()
    {
        var key = Key();
        await Db(1).StringSetAsync(key, "one");
        await Db(2).StringSetAsync(key, "two");
        Assert.That((string?)await Db(1).StringGetAsync(key), Is.EqualTo("one"));
        Assert.That((string?)await Db(2).StringGetAsync(key), Is.EqualTo("two"));
        Assert.That((string?)await Db(0).StringGetAsync(key), Is.Null);
        using var raw = Server.Raw();
        Assert.That(raw.Call("SELECT", "16"), Is.EqualTo("-ERR DB index is out of range"));
        Assert.That(raw.Call("SELECT", "x"), Is.EqualTo("-ERR value is not an integer or out of range"));
        Assert.That(raw.Call("SELECT", "2"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("GET", key), Is.EqualTo("$two"));
        Assert.That(raw.Call("FLUSHALL", "SYNC"), Is.EqualTo("+OK"));
        Assert.That((string?)await Db(1).StringGetAsync(key), Is.Null);
    }

    [Test]
    public async Task ObjectEncodingAndIdleTime()
    {
        var db = Db(0);
        string i = Key(), s = Key(), r = Key();
        await db.StringSetAsync(i, "12345");
        await db.StringSetAsync(s, "short");
        await db.StringSetAsync(r, new string('x', 100));
        Assert.That((string?)await db.ExecuteAsync("OBJECT", "ENCODING", i), Is.EqualTo("int"));
        Assert.That((string?)await db.ExecuteAsync("OBJECT", "ENCODING", s), Is.EqualTo("embstr"));
        Assert.That((string?)await db.ExecuteAsync("OBJECT", "ENCODING", r), Is.EqualTo("raw"));
        Assert.That((long)await db.ExecuteAsync("OBJECT", "IDLETIME", s), Is.EqualTo(0));
        Assert.That((string?)await db.ExecuteAsync("OBJECT", "ENCODING", Key()), Is.Null);
    }
}
