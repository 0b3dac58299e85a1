namespace PasteRedis.Tests.Commands;

[TestFixture]
public class ExpiryTests : ServerFixture
{
    protected override string[] ServerArgs => ["--hz", "50"];
    protected override bool UsesMultiplexer => true;
    private IDatabase _db => Mux.GetDatabase();

    private static string Key() => "k:" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task ExpireFamilyAndTtlReplies()
    {
        var key = Key();
        Assert.That((long)await _db.ExecuteAsync("TTL", key), Is.EqualTo(-2));
        Assert.That((long)await _db.ExecuteAsync("EXPIRE", key, "10"), Is.EqualTo(0), "missing key");
        await _db.StringSetAsync(key, "v");
        Assert.That((long)await _db.ExecuteAsync("TTL", key), Is.EqualTo(-1));
        Assert.That((long)await _db.ExecuteAsync("EXPIRETIME", key), Is.EqualTo(-1));
        Assert.That((long)await _db.ExecuteAsync("EXPIRE", key, "100"), Is.EqualTo(1));
        Assert.That((long)await _db.ExecuteAsync("TTL", key), Is.InRange(99, 100));
        Assert.That((long)await _db.ExecuteAsync("PEXPIRE", key, "200000"), Is.EqualTo(1));
        Assert.That((long)await _db.ExecuteAsync("PTTL", key), Is.InRange(199000, 200000));
        long at = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 300;
        Assert.That((long)await _db.ExecuteAsync("EXPIREAT", key, at.ToString()), Is.EqualTo(1));
        Assert.That((long)await _db.ExecuteAsync("EXPIRETIME", key), Is.EqualTo(at));
        Assert.That((long)await _db.ExecuteAsync("PEXPIRETIME", key), Is.EqualTo(at * 1000));
        Assert.That((long)await _db.ExecuteAsync("PEXPIREAT", key, (at * 1000 + 5).ToString()), Is.EqualTo(1));
        Assert.That((long)await _db.ExecuteAsync("PEXPIRETIME", key), Is.EqualTo(at * 1000 + 5));
        Assert.That((long)await _db.ExecuteAsync("PERSIST", key), Is.EqualTo(1));
        Assert.That((long)await _db.ExecuteAsync("PERSIST", key), Is.EqualTo(0));
        Assert.That((long)await _db.ExecuteAsync("TTL", key), Is.EqualTo(-1));
        Assert.That((long)await _db.ExecuteAsync("EXPIRE", key, "-1"), Is.EqualTo(1));
        Assert.That(await _db.KeyExistsAsync(key), Is.False, "a time in the past deletes the key");
    }

    [Test]
    public async Task ExpireConditions()
    {
        var key = Key();
        await _db.StringSetAsync(key, "v");
        Assert.That((long)await _db.ExecuteAsync("EXPIRE", key, "100", "XX"), Is.EqualTo(0));
        Assert.That((long)await _db.ExecuteAsync("EXPIRE", key, "100", "GT"), Is.EqualTo(0), "no TTL counts as infinite");
        Assert.That((long)await _db.ExecuteAsync("EXPIRE", key, "100", "NX"), Is.EqualTo(1));
        Assert.That((long)await _db.ExecuteAsync("EXPIRE", key, "50", "NX"), Is.EqualTo(0));
        Assert.That((long)await _db.ExecuteAsync("EXPIRE", key, "50", "GT"), Is.EqualTo(0));
        Assert.That((long)await _db.ExecuteAsync("EXPIRE", key, "200", "GT"), Is.EqualTo(1));
        Assert.That((long)await _db.ExecuteAsync("EXPIRE", key, "300", "LT"), Is.EqualTo(0));
        Assert.That((long)await _db.ExecuteAsync("EXPIRE", key, "30", "LT", "XX"), Is.EqualTo(1));
        Assert.That((long)await _db.ExecuteAsync("TTL", key), Is.InRange(29, 30));
        var ex = Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("EXPIRE", key, "10", "NX", "XX"));
        Assert.That(ex!.Message, Is.EqualTo("ERR NX and XX, GT or LT options at the same time are not compatible"));
        ex = Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("EXPIRE", key, "10", "GT", "LT"));
        Assert.That(ex!.Message, Is.EqualTo("ERR GT and LT options at the same time are not compatible"));
        ex = Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("EXPIRE", key, "10", "FOO"));
        Assert.That(ex!.Message, Is.EqualTo("ERR Unsupported option FOO"));
        ex = Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("EXPIRE", key, "9223372036854775807"));
        Assert.That(ex!.Message, Is.EqualTo("ERR invalid expire time in 'expire' command"));
    }

    [Test]
    public async Task LazyExpiryHidesExpiredKeysAtOnce()
    {
        var key = Key();
        await _db.ExecuteAsync("SET", key, "v", "PX", "30");
        await Task.Delay(60);
        Assert.That((string?)await _db.StringGetAsync(key), Is.Null);
        Assert.That((long)await _db.ExecuteAsync("EXISTS", key), Is.EqualTo(0));
    }

    [Test]
    public async Task ActiveExpiryRemovesKeysNobodyReads()
    {
        var db = Mux.GetDatabase(3);
        await db.ExecuteAsync("FLUSHDB");
        for (int i = 0; i < 300; i++) await db.ExecuteAsync("SET", $"t:{i}", "v", "PX", "50");
        for (int i = 0; i < 10; i++) await db.StringSetAsync($"keep:{i}", "v");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        long size;
        do
        {
            await Task.Delay(50);
            size = (long)await db.ExecuteAsync("DBSIZE");
        } while (size > 10 && DateTime.UtcNow < deadline);
        Assert.That(size, Is.EqualTo(10), "DBSIZE counts keys without touching them; only active expiry can shrink it");
        var info = (string)(await db.ExecuteAsync("INFO", "stats"))!;
        Assert.That(info, Does.Match(@"expired_keys:(\d{3,})"));
    }
}
