namespace PasteRedis.Tests.Commands;

/// <summary>String commands through StackExchange.Redis against a real server.</summary>
[TestFixture]
public class StringCommandTests : ServerFixture
{
    protected override bool UsesMultiplexer => true;
    private IDatabase _db => Mux.GetDatabase();

    private static string Key() => "k:" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task SetGetRoundTripsBinaryValues()
    {
        var key = Key();
        var value = new byte[] { 0, 1, 2, 13, 10, 255, 128 };
        Assert.That(await _db.StringSetAsync(key, value), Is.True);
        Assert.That((byte[]?)await _db.StringGetAsync(key), Is.EqualTo(value));
        Assert.That((string?)await _db.StringGetAsync(Key()), Is.Null);
    }

    [Test]
    public async Task SetNxXxAndGetOption()
    {
        var key = Key();
        Assert.That(await _db.StringSetAsync(key, "a", when: When.Exists), Is.False);
        Assert.That(await _db.StringSetAsync(key, "a", when: When.NotExists), Is.True);
        Assert.That(await _db.StringSetAsync(key, "b", when: When.NotExists), Is.False);
        Assert.That(await _db.StringSetAsync(key, "c", when: When.Exists), Is.True);
        Assert.That((string?)await _db.StringSetAndGetAsync(key, "d"), Is.EqualTo("c"));
        Assert.That((string?)await _db.StringGetAsync(key), Is.EqualTo("d"));
        Assert.That((string?)await _db.ExecuteAsync("SET", key, "e", "NX", "GET"), Is.EqualTo("d"));
        Assert.That((string?)await _db.StringGetAsync(key), Is.EqualTo("d"));
    }

    [Test]
    public async Task SetExpiryOptions()
    {
        var key = Key();
        await _db.ExecuteAsync("SET", key, "v", "EX", "100");
        Assert.That((await _db.KeyTimeToLiveAsync(key))!.Value.TotalSeconds, Is.InRange(98, 100));
        await _db.ExecuteAsync("SET", key, "v", "PX", "50000");
        Assert.That((long)await _db.ExecuteAsync("PTTL", key), Is.InRange(49000, 50000));
        long at = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 200;
        await _db.ExecuteAsync("SET", key, "v", "EXAT", at.ToString());
        Assert.That((long)await _db.ExecuteAsync("EXPIRETIME", key), Is.EqualTo(at));
        await _db.ExecuteAsync("SET", key, "w", "KEEPTTL");
        Assert.That((long)await _db.ExecuteAsync("EXPIRETIME", key), Is.EqualTo(at));
        await _db.ExecuteAsync("SET", key, "x");
        Assert.That((long)await _db.ExecuteAsync("TTL", key), Is.EqualTo(-1));
        long pastMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000;
        Assert.That((string?)await _db.ExecuteAsync("SET", key, "y", "PXAT", pastMs.ToString()), Is.EqualTo("OK"));
        Assert.That(await _db.KeyExistsAsync(key), Is.False);
    }

    [TestCase("EX", "0", "ERR invalid expire time in 'set' command")]
    [TestCase("EX", "-5", "ERR invalid expire time in 'set' command")]
    [TestCase("EX", "abc", "ERR value is not an integer or out of range")]
    [TestCase("NX", "XX", "ERR syntax error")]
    [TestCase("EX", "10 PX 10", "ERR syntax error")]
    public void SetRejectsBadOptions(string opt, string value, string error)
    {
        var args = new List<object> { Key(), "v", opt };
        args.AddRange(value.Split(' '));
        var ex = Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("SET", args.ToArray()));
        Assert.That(ex!.Message, Is.EqualTo(error));
    }

    [Test]
    public async Task SetExPSetExSetNxGetSetGetDel()
    {
        var key = Key();
        await _db.ExecuteAsync("SETEX", key, "10", "a");
        Assert.That((long)await _db.ExecuteAsync("TTL", key), Is.InRange(9, 10));
        await _db.ExecuteAsync("PSETEX", key, "10000", "b");
        Assert.That((long)await _db.ExecuteAsync("PTTL", key), Is.InRange(9000, 10000));
        Assert.That((long)await _db.ExecuteAsync("SETNX", key, "c"), Is.EqualTo(0));
        Assert.That((long)await _db.ExecuteAsync("SETNX", Key(), "c"), Is.EqualTo(1));
        Assert.That((string?)await _db.ExecuteAsync("GETSET", key, "d"), Is.EqualTo("b"));
        Assert.That((long)await _db.ExecuteAsync("TTL", key), Is.EqualTo(-1), "GETSET clears the TTL");
        Assert.That((string?)await _db.StringGetDeleteAsync(key), Is.EqualTo("d"));
        Assert.That(await _db.KeyExistsAsync(key), Is.False);
        var ex = Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("SETEX", key, "0", "x"));
        Assert.That(ex!.Message, Is.EqualTo("ERR invalid expire time in 'setex' command"));
    }

    [Test]
    public async Task GetExSetsAndClearsTtl()
    {
        var key = Key();
        await _db.StringSetAsync(key, "v");
        Assert.That((string?)await _db.StringGetSetExpiryAsync(key, TimeSpan.FromSeconds(50)), Is.EqualTo("v"));
        Assert.That((long)await _db.ExecuteAsync("TTL", key), Is.InRange(49, 50));
        Assert.That((string?)await _db.ExecuteAsync("GETEX", key, "PERSIST"), Is.EqualTo("v"));
        Assert.That((long)await _db.ExecuteAsync("TTL", key), Is.EqualTo(-1));
        Assert.That((string?)await _db.ExecuteAsync("GETEX", Key()), Is.Null);
        var ex = Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("GETEX", key, "EX", "10", "PERSIST"));
        Assert.That(ex!.Message, Is.EqualTo("ERR syntax error"));
    }

    [Test]
    public async Task MSetMGetMSetNx()
    {
        string a = Key(), b = Key(), c = Key();
        await _db.StringSetAsync([new(a, "1"), new(b, "2")]);
        var values = await _db.StringGetAsync([a, b, c]);
        Assert.That(values.Select(v => (string?)v), Is.EqualTo(new[] { "1", "2", null }));
        Assert.That(await _db.StringSetAsync([new(c, "3"), new(a, "x")], When.NotExists), Is.False);
        Assert.That(await _db.KeyExistsAsync(c), Is.False, "MSETNX sets nothing when one key exists");
        Assert.That(await _db.StringSetAsync([new(c, "3"), new(Key(), "y")], When.NotExists), Is.True);
        var ex = Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("MSET", a, "1", b));
        Assert.That(ex!.Message, Is.EqualTo("ERR wrong number of arguments for 'mset' command"));
    }

    [Test]
    public async Task AppendStrlenGetRangeSetRange()
    {
        var key = Key();
        Assert.That(await _db.StringAppendAsync(key, "Hello"), Is.EqualTo(5));
        Assert.That(await _db.StringAppendAsync(key, " World"), Is.EqualTo(11));
        Assert.That(await _db.StringLengthAsync(key), Is.EqualTo(11));
        Assert.That((string?)await _db.StringGetRangeAsync(key, 0, 4), Is.EqualTo("Hello"));
        Assert.That((string?)await _db.StringGetRangeAsync(key, -5, -1), Is.EqualTo("World"));
        Assert.That((string?)await _db.StringGetRangeAsync(key, 5, 2), Is.EqualTo(""));
        Assert.That((string?)await _db.StringGetRangeAsync(key, 0, 100), Is.EqualTo("Hello World"));
        Assert.That((long)await _db.StringSetRangeAsync(key, 6, "Redis"), Is.EqualTo(11));
        Assert.That((string?)await _db.StringGetAsync(key), Is.EqualTo("Hello Redis"));
        var padded = Key();
        Assert.That((long)await _db.StringSetRangeAsync(padded, 3, "x"), Is.EqualTo(4));
        Assert.That((byte[]?)await _db.StringGetAsync(padded), Is.EqualTo(new byte[] { 0, 0, 0, (byte)'x' }));
        Assert.That((long)await _db.StringSetRangeAsync(Key(), 5, ""), Is.EqualTo(0));
        var ex = Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("SETRANGE", key, "-1", "x"));
        Assert.That(ex!.Message, Is.EqualTo("ERR offset is out of range"));
        ex = Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("SETRANGE", key, "536870911", "xx"));
        Assert.That(ex!.Message, Is.EqualTo("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
    }

    [Test]
    public async Task Counters()
    {
        var key = Key();
        Assert.That(await _db.StringIncrementAsync(key), Is.EqualTo(1));
        Assert.That(await _db.StringIncrementAsync(key, 10), Is.EqualTo(11));
        Assert.That(await _db.StringDecrementAsync(key), Is.EqualTo(10));
        Assert.That(await _db.StringDecrementAsync(key, 20), Is.EqualTo(-10));
        Assert.That(await _db.StringIncrementAsync(key, 0.5), Is.EqualTo(-9.5));
        Assert.That((string?)await _db.ExecuteAsync("INCRBYFLOAT", key, "0.1"), Is.EqualTo("-9.4"));
        await _db.StringSetAsync(key, long.MaxValue.ToString());
        var ex = Assert.ThrowsAsync<RedisServerException>(() => _db.StringIncrementAsync(key));
        Assert.That(ex!.Message, Is.EqualTo("ERR increment or decrement would overflow"));
        await _db.StringSetAsync(key, "abc");
        ex = Assert.ThrowsAsync<RedisServerException>(() => _db.StringIncrementAsync(key));
        Assert.That(ex!.Message, Is.EqualTo("ERR value is not an integer or out of range"));
        ex = Assert.ThrowsAsync<RedisServerException>(() => _db.StringIncrementAsync(key, 1.5));
        Assert.That(ex!.Message, Is.EqualTo("ERR value is not a valid float"));
        await _db.StringSetAsync(key, " 1");
        Assert.ThrowsAsync<RedisServerException>(() => _db.StringIncrementAsync(key), "Redis rejects surrounding spaces");
        var ttlKey = Key();
        await _db.StringSetAsync(ttlKey, "5", TimeSpan.FromSeconds(100));
        await _db.StringIncrementAsync(ttlKey);
        Assert.That((long)await _db.ExecuteAsync("TTL", ttlKey), Is.GreaterThan(0), "INCR keeps the TTL");
        ex = Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("INCRBYFLOAT", Key(), "inf"));
        Assert.That(ex!.Message, Is.EqualTo("ERR increment would produce NaN or Infinity"));
    }

    [Test]
    public async Task OverwriteWithDifferentSizesKeepsExactBytes()
    {
        var key = Key();
        foreach (var size in new[] { 10, 5000, 3, 0, 100, 100, 70000, 1 })
        {
            var v = new byte[size];
            Random.Shared.NextBytes(v);
            await _db.StringSetAsync(key, v);
            Assert.That((byte[]?)await _db.StringGetAsync(key), Is.EqualTo(v), $"size {size}");
        }
    }
}
