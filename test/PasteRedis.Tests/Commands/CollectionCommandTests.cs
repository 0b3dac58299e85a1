namespace PasteRedis.Tests.Commands;

/// <summary>Lists, hashes, sets and sorted sets through StackExchange.Redis, in RESP2 and RESP3.</summary>
[TestFixture(RedisProtocol.Resp2)]
[TestFixture(RedisProtocol.Resp3)]
public class CollectionCommandTests(RedisProtocol protocol) : ServerFixture
{
    private ConnectionMultiplexer _mux = null!;
    private IDatabase Db => _mux.GetDatabase();

    [OneTimeSetUp]
    public async Task Connect() => _mux = await Server.ConnectAsync(protocol);

    [OneTimeTearDown]
    public async Task Disconnect() => await _mux.DisposeAsync();

    private static string Key(string type) => type + ":" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task Lists()
    {
        var k = Key("l");
        Assert.That(await Db.ListRightPushAsync(k, ["b", "c", "d"]), Is.EqualTo(3));
        Assert.That(await Db.ListLeftPushAsync(k, "a"), Is.EqualTo(4));
        Assert.That((await Db.ListRangeAsync(k)).Select(v => (string?)v), Is.EqualTo(new[] { "a", "b", "c", "d" }));
        Assert.That((string?)await Db.ListGetByIndexAsync(k, -1), Is.EqualTo("d"));
        await Db.ListSetByIndexAsync(k, 1, "B");
        Assert.That(await Db.ListInsertAfterAsync(k, "B", "b2"), Is.EqualTo(5));
        Assert.That(await Db.ListInsertBeforeAsync(k, "nope", "x"), Is.EqualTo(-1));
        Assert.That(await Db.ListPositionAsync(k, "c"), Is.EqualTo(3));
        Assert.That(await Db.ListRemoveAsync(k, "b2"), Is.EqualTo(1));
        Assert.That((string?)await Db.ListLeftPopAsync(k), Is.EqualTo("a"));
        Assert.That((await Db.ListRightPopAsync(k, 2)).Select(v => (string?)v), Is.EqualTo(new[] { "d", "c" }));
        Assert.That(await Db.ListLengthAsync(k), Is.EqualTo(1));
        var dst = Key("l");
        Assert.That((string?)await Db.ListMoveAsync(k, dst, ListSide.Left, ListSide.Right), Is.EqualTo("B"));
        Assert.That(await Db.KeyExistsAsync(k), Is.False, "an emptied list is deleted");
        await Db.ListRightPushAsync(dst, ["1", "2", "3", "4"]);
        await Db.ListTrimAsync(dst, 1, -2);
        Assert.That((await Db.ListRangeAsync(dst)).Select(v => (string?)v), Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That((string?)await Db.ExecuteAsync("RPOPLPUSH", dst, dst), Is.EqualTo("3"));
        Assert.That((await Db.ListRangeAsync(dst)).Select(v => (string?)v), Is.EqualTo(new[] { "3", "1", "2" }));
        Assert.That(await Db.ListLeftPushAsync(Key("l"), "x", When.Exists), Is.EqualTo(0), "LPUSHX on a missing key");
        Assert.That((await Db.ExecuteAsync("LPOP", Key("l"), "2")).IsNull, Is.True);
        Assert.That((string?)await Db.ExecuteAsync("OBJECT", "ENCODING", dst), Is.EqualTo("quicklist"), "Redis 7.0 keeps every list in a quicklist");
    }

    [Test]
    public async Task Hashes()
    {
        var k = Key("h");
        await Db.HashSetAsync(k, [new("f1", "v1"), new("f2", "v2")]);
        Assert.That((string?)await Db.HashGetAsync(k, "f1"), Is.EqualTo("v1"));
        Assert.That(await Db.HashSetAsync(k, "f1", "x", When.NotExists), Is.False);
        Assert.That(await Db.HashSetAsync(k, "f3", "v3", When.NotExists), Is.True);
        Assert.That((await Db.HashGetAsync(k, ["f1", "nope", "f3"])).Select(v => (string?)v), Is.EqualTo(new[] { "v1", null, "v3" }));
        var all = await Db.HashGetAllAsync(k);
        Assert.That(all.ToDictionary(e => (string)e.Name!, e => (string?)e.Value), Is.EquivalentTo(new Dictionary<string, string?> { ["f1"] = "v1", ["f2"] = "v2", ["f3"] = "v3" }));
        Assert.That((await Db.HashKeysAsync(k)).Select(v => (string?)v), Is.EquivalentTo(new[] { "f1", "f2", "f3" }));
        Assert.That((await Db.HashValuesAsync(k)).Select(v => (string?)v), Is.EquivalentTo(new[] { "v1", "v2", "v3" }));
        Assert.That(await Db.HashExistsAsync(k, "f2"), Is.True);
        Assert.That(await Db.HashDeleteAsync(k, ["f2", "nope"]), Is.EqualTo(1));
        Assert.That(await Db.HashLengthAsync(k), Is.EqualTo(2));
        Assert.That(await Db.HashStringLengthAsync(k, "f1"), Is.EqualTo(2));
        Assert.That(await Db.HashIncrementAsync(k, "n", 5), Is.EqualTo(5));
        Assert.That(await Db.HashIncrementAsync(k, "n", -7), Is.EqualTo(-2));
        Assert.That(await Db.HashIncrementAsync(k, "fl", 1.5), Is.EqualTo(1.5));
        Assert.That(await Db.HashIncrementAsync(k, "fl", 0.25), Is.EqualTo(1.75));
        Assert.That(async () => await Db.HashIncrementAsync(k, "f1", 1), Throws.InstanceOf<RedisServerException>().With.Message.EqualTo("ERR hash value is not an integer"));
        Assert.That(async () => await Db.HashIncrementAsync(k, "f1", 1.0), Throws.InstanceOf<RedisServerException>().With.Message.EqualTo("ERR hash value is not a float"));
        Assert.That((string?)await Db.HashRandomFieldAsync(k), Is.AnyOf("f1", "f3", "n", "fl"));
        Assert.That((await Db.HashRandomFieldsAsync(k, 10)).Length, Is.EqualTo(4), "distinct fields, at most all");
        Assert.That((await Db.HashRandomFieldsAsync(k, -10)).Length, Is.EqualTo(10), "a negative count repeats");
        var withValues = await Db.HashRandomFieldsWithValuesAsync(k, 2);
        Assert.That(withValues, Has.Length.EqualTo(2));
        Assert.That(withValues.All(e => all.Any(a => a.Name == e.Name) || e.Name == "n" || e.Name == "fl"), Is.True);
        var scanned = Db.HashScanAsync(k, pageSize: 1).ToBlockingEnumerable().Select(e => (string)e.Name!).ToList();
        Assert.That(scanned, Is.EquivalentTo(new[] { "f1", "f3", "n", "fl" }));
    }

    [Test]
    public async Task Sets()
    {
        var a = Key("s");
        var b = Key("s");
        Assert.That(await Db.SetAddAsync(a, ["1", "2", "3"]), Is.EqualTo(3));
        Assert.That((string?)await Db.ExecuteAsync("OBJECT", "ENCODING", a), Is.EqualTo("intset"));
        Assert.That(await Db.SetAddAsync(a, ["3", "x"]), Is.EqualTo(1));
        Assert.That((string?)await Db.ExecuteAsync("OBJECT", "ENCODING", a), Is.EqualTo("hashtable"), "Redis 7.0 has no listpack sets");
        await Db.SetAddAsync(b, ["x", "y"]);
        Assert.That(await Db.SetContainsAsync(a, "x"), Is.True);
        Assert.That(await Db.SetContainsAsync(a, ["x", "q"]), Is.EqualTo(new[] { true, false }));
        Assert.That(await Db.SetLengthAsync(a), Is.EqualTo(4));
        Assert.That((await Db.SetCombineAsync(SetOperation.Intersect, a, b)).Select(v => (string?)v), Is.EquivalentTo(new[] { "x" }));
        Assert.That((await Db.SetCombineAsync(SetOperation.Union, a, b)).Select(v => (string?)v), Is.EquivalentTo(new[] { "1", "2", "3", "x", "y" }));
        Assert.That((await Db.SetCombineAsync(SetOperation.Difference, a, b)).Select(v => (string?)v), Is.EquivalentTo(new[] { "1", "2", "3" }));
        var dst = Key("s");
        Assert.That(await Db.SetCombineAndStoreAsync(SetOperation.Union, dst, a, b), Is.EqualTo(5));
        Assert.That(await Db.SetIntersectionLengthAsync([a, b]), Is.EqualTo(1));
        Assert.That(await Db.SetMoveAsync(b, a, "y"), Is.True);
        Assert.That(await Db.SetRemoveAsync(a, ["y", "nope"]), Is.EqualTo(1));
        var popped = await Db.SetPopAsync(a, 2);
        Assert.That(popped, Has.Length.EqualTo(2));
        Assert.That(await Db.SetLengthAsync(a), Is.EqualTo(2));
        var rest = (await Db.SetMembersAsync(a)).Select(v => (string)v!).ToList();
        Assert.That(rest.Intersect(popped.Select(v => (string)v!)), Is.Empty, "popped members are gone");
        Assert.That((string?)await Db.SetRandomMemberAsync(a), Is.AnyOf(rest[0], rest[1]));
        Assert.That(await Db.SetRandomMembersAsync(a, -5), Has.Length.EqualTo(5));
        Assert.That(Db.SetScanAsync(dst, pageSize: 2).ToBlockingEnumerable().Select(v => (string?)v), Is.EquivalentTo(new[] { "1", "2", "3", "x", "y" }));
    }

    [Test]
    public async Task SortedSets()
    {
        var k = Key("z");
        Assert.That(await Db.SortedSetAddAsync(k, [new("a", 1), new("b", 2), new("c", 3)]), Is.EqualTo(3));
        Assert.That(await Db.SortedSetAddAsync(k, "a", 5, SortedSetWhen.GreaterThan), Is.False, "updated, not added");
        Assert.That(await Db.SortedSetScoreAsync(k, "a"), Is.EqualTo(5));
        Assert.That(await Db.SortedSetAddAsync(k, "a", 1, SortedSetWhen.GreaterThan), Is.False);
        Assert.That(await Db.SortedSetScoreAsync(k, "a"), Is.EqualTo(5), "GT refuses a lower score");
        Assert.That(await Db.SortedSetIncrementAsync(k, "b", 0.5), Is.EqualTo(2.5));
        Assert.That(await Db.SortedSetScoresAsync(k, ["a", "nope"]), Is.EqualTo(new double?[] { 5, null }));
        Assert.That(await Db.SortedSetLengthAsync(k), Is.EqualTo(3));
        Assert.That(await Db.SortedSetLengthAsync(k, 2, 3), Is.EqualTo(2));
        Assert.That((await Db.SortedSetRangeByRankAsync(k)).Select(v => (string?)v), Is.EqualTo(new[] { "b", "c", "a" }));
        Assert.That((await Db.SortedSetRangeByRankAsync(k, order: Order.Descending)).Select(v => (string?)v), Is.EqualTo(new[] { "a", "c", "b" }));
        var withScores = await Db.SortedSetRangeByRankWithScoresAsync(k, 0, 1);
        Assert.That(withScores.Select(e => ((string?)e.Element, e.Score)), Is.EqualTo(new[] { ("b", 2.5), ("c", 3.0) }));
        Assert.That((await Db.SortedSetRangeByScoreAsync(k, 2.5, 5, Exclude.Start)).Select(v => (string?)v), Is.EqualTo(new[] { "c", "a" }));
        Assert.That((await Db.SortedSetRangeByScoreAsync(k, order: Order.Descending, skip: 1, take: 1)).Select(v => (string?)v), Is.EqualTo(new[] { "c" }));
        Assert.That(await Db.SortedSetRankAsync(k, "a"), Is.EqualTo(2));
        Assert.That(await Db.SortedSetRankAsync(k, "a", Order.Descending), Is.EqualTo(0));
        Assert.That(await Db.SortedSetRankAsync(k, "nope"), Is.Null);
        var lex = Key("z");
        await Db.SortedSetAddAsync(lex, [new("a", 0), new("b", 0), new("c", 0), new("d", 0)]);
        Assert.That((await Db.SortedSetRangeByValueAsync(lex, "b", "d", Exclude.Stop)).Select(v => (string?)v), Is.EqualTo(new[] { "b", "c" }));
        Assert.That(await Db.SortedSetLengthByValueAsync(lex, "a", "c"), Is.EqualTo(3));
        Assert.That((await Db.SortedSetRangeByValueAsync(lex, order: Order.Descending, take: 2)).Select(v => (string?)v), Is.EqualTo(new[] { "d", "c" }));
        var popped = await Db.SortedSetPopAsync(k);
        Assert.That(((string?)popped!.Value.Element, popped.Value.Score), Is.EqualTo(("b", 2.5)));
        var max = await Db.SortedSetPopAsync(k, 1, Order.Descending);
        Assert.That((string?)max[0].Element, Is.EqualTo("a"));
        Assert.That(await Db.SortedSetRemoveAsync(k, ["c", "nope"]), Is.EqualTo(1));
        Assert.That(await Db.KeyExistsAsync(k), Is.False, "an emptied sorted set is deleted");
        var u = Key("z");
        await Db.SortedSetAddAsync(k, [new("a", 1), new("b", 2)]);
        Assert.That(await Db.SortedSetCombineAndStoreAsync(SetOperation.Union, u, k, lex, Aggregate.Max), Is.EqualTo(4));
        Assert.That(await Db.SortedSetScoreAsync(u, "b"), Is.EqualTo(2));
        Assert.That(await Db.SortedSetCombineAndStoreAsync(SetOperation.Intersect, u, [k, lex], [2, 1]), Is.EqualTo(2));
        Assert.That(await Db.SortedSetScoreAsync(u, "b"), Is.EqualTo(4));
        Assert.That(await Db.SortedSetRangeAndStoreAsync(lex, u, 1, 2), Is.EqualTo(2));
        Assert.That((await Db.SortedSetRangeByRankAsync(u)).Select(v => (string?)v), Is.EqualTo(new[] { "b", "c" }));
        Assert.That(Db.SortedSetScanAsync(lex, pageSize: 1).ToBlockingEnumerable().Select(e => (string?)e.Element), Is.EquivalentTo(new[] { "a", "b", "c", "d" }));
        Assert.That((string?)await Db.SortedSetRandomMemberAsync(lex), Is.AnyOf("a", "b", "c", "d"));
    }

    [Test]
    public async Task WrongTypeTypeAndGenericKeyCommands()
    {
        var l = Key("l");
        await Db.ListRightPushAsync(l, "x");
        Assert.That(async () => await Db.StringGetAsync(l), Throws.InstanceOf<RedisServerException>().With.Message.EqualTo("WRONGTYPE Operation against a key holding the wrong kind of value"));
        Assert.That(async () => await Db.HashGetAsync(l, "f"), Throws.InstanceOf<RedisServerException>().With.Message.StartsWith("WRONGTYPE"));
        Assert.That(async () => await Db.SetAddAsync(l, "f"), Throws.InstanceOf<RedisServerException>().With.Message.StartsWith("WRONGTYPE"));
        Assert.That(async () => await Db.SortedSetAddAsync(l, "f", 1), Throws.InstanceOf<RedisServerException>().With.Message.StartsWith("WRONGTYPE"));
        Assert.That(await Db.KeyTypeAsync(l), Is.EqualTo(RedisType.List));
        var h = Key("h");
        await Db.HashSetAsync(h, "f", "v");
        Assert.That(await Db.KeyTypeAsync(h), Is.EqualTo(RedisType.Hash));
        Assert.That(await Db.KeyExpireAsync(h, TimeSpan.FromSeconds(100)), Is.True);
        Assert.That((await Db.KeyTimeToLiveAsync(h))!.Value.TotalSeconds, Is.InRange(98, 100));
        var renamed = Key("h");
        Assert.That(await Db.KeyRenameAsync(h, renamed), Is.True);
        Assert.That((string?)await Db.HashGetAsync(renamed, "f"), Is.EqualTo("v"));
        var scanned = await Db.ExecuteAsync("SCAN", "0", "COUNT", "100000", "TYPE", "hash");
        var keys = ((RedisResult[])((RedisResult[])scanned!)[1]!).Select(r => (string?)r).ToList();
        Assert.That(keys, Does.Contain(renamed).And.Not.Contain(l));
        Assert.That(await Db.KeyDeleteAsync([l, renamed]), Is.EqualTo(2));
        // SET replaces a key of any type.
        await Db.SetAddAsync(h, "m");
        await Db.StringSetAsync(h, "now a string");
        Assert.That((string?)await Db.StringGetAsync(h), Is.EqualTo("now a string"));
    }
}
