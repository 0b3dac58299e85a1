namespace PasteRedis.Tests.Commands;

/// <summary>
/// ZUNION/ZINTER/ZDIFF/ZINTERCARD through StackExchange.Redis, and LMPOP/ZMPOP with their
/// blocking forms served by a push from another connection. Replies against redis-server
/// are in the differential corpus; replay in RecoveryTests.
/// </summary>
[TestFixture]
public class MultiPopTests : ServerFixture
{
    protected override bool UsesMultiplexer => true;

    private static string Key() => "mp:" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task SortedSetCombinationsThroughStackExchangeRedis()
    {
        var db = Mux.GetDatabase();
        string a = Key(), b = Key(), dst = Key();
        await db.SortedSetAddAsync(a, [new("x", 1), new("y", 2), new("z", 3)]);
        await db.SortedSetAddAsync(b, [new("y", 10), new("z", 20), new("w", 30)]);
        var union = await db.SortedSetCombineWithScoresAsync(SetOperation.Union, [a, b]);
        Assert.That(union.Select(e => $"{e.Element}={e.Score}"), Is.EqualTo(new[] { "x=1", "y=12", "z=23", "w=30" }));
        var inter = await db.SortedSetCombineAsync(SetOperation.Intersect, [a, b], aggregate: Aggregate.Max);
        Assert.That(inter.Select(v => (string?)v), Is.EqualTo(new[] { "y", "z" }));
        var diff = await db.SortedSetCombineAsync(SetOperation.Difference, [a, b]);
        Assert.That(diff.Select(v => (string?)v), Is.EqualTo(new[] { "x" }));
        Assert.That(await db.SortedSetCombineAndStoreAsync(SetOperation.Difference, dst, [b, a]), Is.EqualTo(1));
        Assert.That(await db.SortedSetIntersectionLengthAsync([a, b]), Is.EqualTo(2));
        Assert.That(await db.SortedSetIntersectionLengthAsync([a, b], limit: 1), Is.EqualTo(1));
        var popped = await db.SortedSetPopAsync([Key(), a], 2, Order.Descending);
        Assert.That((string?)popped.Key, Is.EqualTo(a));
        Assert.That(popped.Entries.Select(e => (string?)e.Element), Is.EqualTo(new[] { "z", "y" }));
        var listKey = Key();
        await db.ListRightPushAsync(listKey, ["1", "2", "3"]);
        var fromList = await db.ListLeftPopAsync([Key(), listKey], 2);
        Assert.That(fromList.Values.Select(v => (string?)v), Is.EqualTo(new[] { "1", "2" }));
    }

    [Test]
    public void BlockingMultiPopsAreServedByAPush()
    {
        string list = Key(), zset = Key();
        using var pusher = Server.Raw();
        using var lists = Server.Raw();
        using var zsets = Server.Raw();
        lists.Send(RawClient.Command("BLMPOP", "5", "2", Key(), list, "RIGHT", "COUNT", "3"));
        zsets.Send(RawClient.Command("BZMPOP", "5", "1", zset, "MIN"));
        Thread.Sleep(200);
        Assert.That(lists.Available + zsets.Available, Is.Zero, "both wait");
        Assert.That(pusher.Call("RPUSH", list, "a", "b"), Is.EqualTo(":2"));
        Assert.That(lists.ReadReply(), Is.EqualTo($"*[${list},*[$b,$a]]"));
        Assert.That(pusher.Call("ZADD", zset, "2", "two", "1", "one"), Is.EqualTo(":2"));
        Assert.That(zsets.ReadReply(), Is.EqualTo($"*[${zset},*[*[$one,$1]]]"));
        lists.Send(RawClient.Command("BLMPOP", "0.1", "1", list, "LEFT"));
        Assert.That(lists.ReadReply(), Is.EqualTo("*nil"));
    }
}
