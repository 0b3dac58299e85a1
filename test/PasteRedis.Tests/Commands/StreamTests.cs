namespace PasteRedis.Tests.Commands;

/// <summary>
/// Streams through StackExchange.Redis (which has no blocking reads: those go over raw
/// sockets), blocking XREAD/XREADGROUP, and a stream with consumer groups surviving a
/// compaction and a restart. Every reply form is held to redis-server by the differential
/// corpus; replay of each write is in RecoveryTests.
/// </summary>
[TestFixture]
public class StreamTests : ServerFixture
{
    protected override bool UsesMultiplexer => true;

    private static string Key() => "stream:" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task ProduceConsumeAcknowledgeAndClaimThroughStackExchangeRedis()
    {
        var db = Mux.GetDatabase();
        string key = Key();
        var first = await db.StreamAddAsync(key, [new NameValueEntry("temp", "21"), new NameValueEntry("unit", "C")]);
        var second = await db.StreamAddAsync(key, "temp", "22");
        Assert.That(string.CompareOrdinal(second, first), Is.GreaterThan(0), "IDs grow");
        Assert.That(await db.StreamLengthAsync(key), Is.EqualTo(2));
        var all = await db.StreamRangeAsync(key);
        Assert.That(all.Select(e => (string?)e.Id), Is.EqualTo(new string?[] { first, second }));
        Assert.That((string?)all[0]["unit"], Is.EqualTo("C"));
        var after = await db.StreamReadAsync(key, first);
        Assert.That(after.Select(e => (string?)e.Id), Is.EqualTo(new string?[] { second }));

        Assert.That(await db.StreamCreateConsumerGroupAsync(key, "workers", StreamPosition.Beginning), Is.True);
        var forAlice = await db.StreamReadGroupAsync(key, "workers", "alice", StreamPosition.NewMessages, count: 1);
        var forBob = await db.StreamReadGroupAsync(key, "workers", "bob", StreamPosition.NewMessages);
        Assert.That(forAlice.Select(e => (string?)e.Id), Is.EqualTo(new string?[] { first }));
        Assert.That(forBob.Select(e => (string?)e.Id), Is.EqualTo(new string?[] { second }));
        var pending = await db.StreamPendingAsync(key, "workers");
        Assert.That(pending.PendingMessageCount, Is.EqualTo(2));
        Assert.That(pending.Consumers.Select(c => (string)c.Name!), Is.EqualTo(new[] { "alice", "bob" }));
        Assert.That(await db.StreamAcknowledgeAsync(key, "workers", first), Is.EqualTo(1));
        var bobs = await db.StreamPendingMessagesAsync(key, "workers", 10, "bob");
        Assert.That(bobs.Single().DeliveryCount, Is.EqualTo(1));
        var claimed = await db.StreamClaimAsync(key, "workers", "carol", 0, [second]);
        Assert.That(claimed.Select(e => (string?)e.Id), Is.EqualTo(new string?[] { second }));
        var auto = await db.StreamAutoClaimAsync(key, "workers", "dave", 0, "0-0");
        Assert.That(auto.ClaimedEntries.Select(e => (string?)e.Id), Is.EqualTo(new string?[] { second }));

        var groups = await db.StreamGroupInfoAsync(key);
        Assert.That(groups.Single().Name, Is.EqualTo("workers"));
        Assert.That(groups.Single().PendingMessageCount, Is.EqualTo(1));
        Assert.That(groups.Single().Lag, Is.EqualTo(0));
        var consumers = await db.StreamConsumerInfoAsync(key, "workers");
        Assert.That(consumers.Select(c => c.Name), Is.EqualTo(new[] { "alice", "bob", "carol", "dave" }));
        var info = await db.StreamInfoAsync(key);
        Assert.That(info.Length, Is.EqualTo(2));
        Assert.That(info.ConsumerGroupCount, Is.EqualTo(1));
        Assert.That((string?)info.LastGeneratedId, Is.EqualTo((string?)second));

        Assert.That(await db.StreamDeleteAsync(key, [first]), Is.EqualTo(1));
        await db.StreamAddAsync(key, "temp", "23");
        await db.StreamAddAsync(key, "temp", "24");
        Assert.That(await db.StreamTrimAsync(key, 1), Is.EqualTo(2));
        Assert.That(await db.StreamLengthAsync(key), Is.EqualTo(1));
    }

    [Test]
    public void BlockingXReadWakesOnAnAddAfterWhatWasThere()
    {
        string key = Key();
        using var producer = Server.Raw();
        using var reader = Server.Raw();
        producer.Call("XADD", key, "1-0", "old", "x");
        reader.Send(RawClient.Command("XREAD", "BLOCK", "5000", "STREAMS", key, "$"));
        Thread.Sleep(200);
        Assert.That(reader.Available, Is.Zero, "waiting: nothing came after $");
        Assert.That(producer.Call("XADD", key, "2-0", "new", "y"), Is.EqualTo("$2-0"));
        Assert.That(reader.ReadReply(), Is.EqualTo($"*[*[${key},*[*[$2-0,*[$new,$y]]]]]"), "the entry added after it blocked, not the one before");

        reader.Send(RawClient.Command("XREAD", "BLOCK", "100", "STREAMS", key, "$"));
        Assert.That(reader.ReadReply(), Is.EqualTo("*nil"), "timed out");
    }

    [Test]
    public void BlockingXReadGroupDeliversToOneWaitingConsumerAndLogsIt()
    {
        string key = Key();
        using var producer = Server.Raw();
        using var a = Server.Raw();
        using var b = Server.Raw();
        producer.Call("XGROUP", "CREATE", key, "g", "$", "MKSTREAM");
        a.Send(RawClient.Command("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", key, ">"));
        Thread.Sleep(100);
        b.Send(RawClient.Command("XREADGROUP", "GROUP", "g", "b", "BLOCK", "0", "STREAMS", key, ">"));
        Thread.Sleep(100);
        producer.Call("XADD", key, "5-0", "job", "1");
        Assert.That(a.ReadReply(), Is.EqualTo($"*[*[${key},*[*[$5-0,*[$job,$1]]]]]"), "the first to wait gets it");
        Thread.Sleep(100);
        Assert.That(b.Available, Is.Zero, "the second keeps waiting: the group already delivered it");
        producer.Call("XADD", key, "6-0", "job", "2");
        Assert.That(b.ReadReply(), Is.EqualTo($"*[*[${key},*[*[$6-0,*[$job,$2]]]]]"));
        Assert.That(producer.Call("XPENDING", key, "g"), Is.EqualTo("*[:2,$5-0,$6-0,*[*[$a,$1],*[$b,$1]]]"));
        Assert.That(producer.Call("XGROUP", "DESTROY", key, "g"), Is.EqualTo(":1"));
        b.Send(RawClient.Command("XREADGROUP", "GROUP", "g", "b", "BLOCK", "0", "STREAMS", key, ">"));
        Assert.That(b.ReadReply(), Does.StartWith("-NOGROUP"));
    }

    [Test]
    public async Task GroupsAndPendingEntriesSurviveACompactionAndARestart()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "16mb");
        SortedDictionary<string, string> before;
        using (var raw = server.Raw())
        {
            string key = "compacted";
            for (int i = 1; i <= 300; i++) raw.Call("XADD", key, $"{i}-0", "n", i.ToString());
            raw.Call("XDEL", key, "7-0", "150-0");
            raw.Call("XTRIM", key, "MAXLEN", "~", "150");
            raw.Call("XGROUP", "CREATE", key, "g", "0");
            raw.Call("XREADGROUP", "GROUP", "g", "c1", "COUNT", "20", "STREAMS", key, ">");
            raw.Call("XREADGROUP", "GROUP", "g", "c2", "COUNT", "5", "STREAMS", key, ">");
            raw.Call("XACK", key, "g", "120-0", "121-0");
            raw.Call("XGROUP", "CREATECONSUMER", key, "g", "nobody");
            raw.Call("XGROUP", "CREATE", key, "tail", "$");
            raw.Call("XGROUP", "CREATE", "emptied", "g", "$", "MKSTREAM");
            Compaction.Run(raw);
            before = KeyspaceDump.Take(raw);
            Assert.That(raw.Call("XLEN", key), Is.Not.EqualTo(":0"));
        }
        await server.RestartAsync();
        using var after = server.Raw();
        Assert.That(KeyspaceDump.Take(after), Is.EqualTo(before));
    }
}
