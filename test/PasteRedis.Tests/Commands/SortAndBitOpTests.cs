namespace PasteRedis.Tests.Commands;

/// <summary>
/// SORT and BITOP through StackExchange.Redis (Sort, SortAndStore, StringBitOperation), and
/// what WATCH sees of SORT … STORE. Every reply form is held to the real redis-server by
/// the differential corpus; replay across a restart is in RecoveryTests.
/// </summary>
[TestFixture]
public class SortAndBitOpTests : ServerFixture
{
    protected override bool UsesMultiplexer => true;

    private static string Key() => "k:" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task SortByWeightsWithGetLimitAndStore()
    {
        var db = Mux.GetDatabase();
        string users = Key(), dst = Key(), prefix = Key();
        await db.ListRightPushAsync(users, ["ann", "bob", "cid", "dee"]);
        foreach (var (name, age) in new[] { ("ann", 41), ("bob", 23), ("cid", 35), ("dee", 23) })
        {
            await db.StringSetAsync($"{prefix}:age:{name}", age);
            await db.HashSetAsync($"{prefix}:user:{name}", "city", "city-" + name);
        }
        var byAge = await db.SortAsync(users, by: $"{prefix}:age:*", get: ["#", $"{prefix}:user:*->city"]);
        Assert.That(byAge.Select(v => (string?)v), Is.EqualTo(new[]
            { "bob", "city-bob", "dee", "city-dee", "cid", "city-cid", "ann", "city-ann" }), "equal weights: by the element itself");
        var oldestTwo = await db.SortAsync(users, skip: 0, take: 2, order: Order.Descending, by: $"{prefix}:age:*");
        Assert.That(oldestTwo.Select(v => (string?)v), Is.EqualTo(new[] { "ann", "cid" }));
        var alpha = await db.SortAsync(users, order: Order.Descending, sortType: SortType.Alphabetic);
        Assert.That(alpha.Select(v => (string?)v), Is.EqualTo(new[] { "dee", "cid", "bob", "ann" }));
        Assert.That(await db.SortAndStoreAsync(dst, users, sortType: SortType.Alphabetic, get: [$"{prefix}:age:*"]), Is.EqualTo(4));
        Assert.That((await db.ListRangeAsync(dst)).Select(v => (string?)v), Is.EqualTo(new[] { "41", "23", "35", "23" }));
        var e = Assert.ThrowsAsync<RedisServerException>(() => db.SortAsync(users));
        Assert.That(e!.Message, Is.EqualTo("ERR One or more scores can't be converted into double"));
    }

    [Test]
    public async Task BitOperations()
    {
        var db = Mux.GetDatabase();
        string a = Key(), b = Key(), dst = Key();
        await db.StringSetAsync(a, new byte[] { 0b1100_1100, 0xFF });
        await db.StringSetAsync(b, new byte[] { 0b1010_1010 });
        Assert.That(await db.StringBitOperationAsync(Bitwise.And, dst, [a, b]), Is.EqualTo(2));
        Assert.That((byte[]?)await db.StringGetAsync(dst), Is.EqualTo(new byte[] { 0b1000_1000, 0 }), "the shorter one is zero-padded");
        Assert.That(await db.StringBitOperationAsync(Bitwise.Or, dst, [a, b]), Is.EqualTo(2));
        Assert.That((byte[]?)await db.StringGetAsync(dst), Is.EqualTo(new byte[] { 0b1110_1110, 0xFF }));
        Assert.That(await db.StringBitOperationAsync(Bitwise.Xor, dst, [a, b]), Is.EqualTo(2));
        Assert.That((byte[]?)await db.StringGetAsync(dst), Is.EqualTo(new byte[] { 0b0110_0110, 0xFF }));
        Assert.That(await db.StringBitOperationAsync(Bitwise.Not, dst, b), Is.EqualTo(1));
        Assert.That((byte[]?)await db.StringGetAsync(dst), Is.EqualTo(new byte[] { 0b0101_0101 }));
        Assert.That(await db.StringBitOperationAsync(Bitwise.Or, dst, [Key(), Key()]), Is.EqualTo(0));
        Assert.That(await db.KeyExistsAsync(dst), Is.False, "an empty result deletes the destination");
        // Large values take the vectorised loops and their tails.
        var big1 = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var big2 = Enumerable.Range(0, 997).Select(i => (byte)(i * 7)).ToArray();
        await db.StringSetAsync(a, big1);
        await db.StringSetAsync(b, big2);
        await db.StringBitOperationAsync(Bitwise.Xor, dst, [a, b]);
        var expected = big1.Select((v, i) => (byte)(v ^ (i < big2.Length ? big2[i] : 0))).ToArray();
        Assert.That((byte[]?)await db.StringGetAsync(dst), Is.EqualTo(expected));
    }

    [Test]
    public void SortStoreTouchesTheDestinationNotTheSortedKey()
    {
        using var raw = Server.Raw();
        using var other = Server.Raw();
        string list = Key(), dst = Key();
        raw.Call("RPUSH", list, "2", "1");
        Assert.That(raw.Call("WATCH", list), Is.EqualTo("+OK"));
        Assert.That(other.Call("SORT", list, "STORE", dst), Is.EqualTo(":2"));
        Assert.That(raw.Call("MULTI"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("LLEN", dst), Is.EqualTo("+QUEUED"));
        Assert.That(raw.Call("EXEC"), Is.EqualTo("*[:2]"));
        Assert.That(raw.Call("WATCH", dst), Is.EqualTo("+OK"));
        Assert.That(other.Call("SORT", list, "DESC", "STORE", dst), Is.EqualTo(":2"));
        Assert.That(raw.Call("MULTI"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("LLEN", dst), Is.EqualTo("+QUEUED"));
        Assert.That(raw.Call("EXEC"), Is.EqualTo("*nil"));
        Assert.That(raw.Call("LRANGE", dst, "0", "-1"), Is.EqualTo("*[$2,$1]"));
    }
}
