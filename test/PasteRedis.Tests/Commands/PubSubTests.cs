using System.Text.RegularExpressions;
using System.Collections.Concurrent;

namespace PasteRedis.Tests.Commands;

/// <summary>SUBSCRIBE/PSUBSCRIBE/PUBLISH/PUBSUB with several subscribers, through StackExchange.Redis and raw RESP2/RESP3.</summary>
[TestFixture(RedisProtocol.Resp2)]
[TestFixture(RedisProtocol.Resp3)]
public class PubSubTests(RedisProtocol protocol) : ServerFixture
{
    private static string Channel() => "ch:" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task SeveralSubscribersAndAPatternReceiveEveryMessage()
    {
        var channel = Channel();
        await using var a = await Server.ConnectAsync(protocol);
        await using var b = await Server.ConnectAsync(protocol);
        await using var publisher = await Server.ConnectAsync(protocol);
        var got = new ConcurrentQueue<string>();
        // A message queue keeps order (handlers may run concurrently in StackExchange.Redis).
        var ordered = await a.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel));
        await b.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel), (ch, msg) => got.Enqueue("b:" + msg));
        await b.GetSubscriber().SubscribeAsync(RedisChannel.Pattern("ch:*"), (ch, msg) => { if (ch == channel) got.Enqueue("p:" + msg); });
        for (int i = 0; i < 3; i++)
            Assert.That(await publisher.GetSubscriber().PublishAsync(RedisChannel.Literal(channel), "m" + i), Is.EqualTo(3));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var inOrder = new List<string>();
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            for (int i = 0; i < 3; i++) inOrder.Add((await ordered.ReadAsync(cts.Token)).Message!);
        Assert.That(inOrder, Is.EqualTo(new[] { "m0", "m1", "m2" }), "in order");
        while (got.Count < 6 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.That(got.Where(m => m.StartsWith("b:")), Is.EquivalentTo(new[] { "b:m0", "b:m1", "b:m2" }));
        Assert.That(got.Where(m => m.StartsWith("p:")), Is.EquivalentTo(new[] { "p:m0", "p:m1", "p:m2" }));

        var server = publisher.GetServer(Server.EndPoint);
        Assert.That((await server.SubscriptionChannelsAsync(RedisChannel.Pattern("ch:*"))).Select(c => c.ToString()), Does.Contain(channel));
        Assert.That(await server.SubscriptionSubscriberCountAsync(RedisChannel.Literal(channel)), Is.EqualTo(2));
        Assert.That(await server.SubscriptionPatternCountAsync(), Is.GreaterThanOrEqualTo(1));

        await a.GetSubscriber().UnsubscribeAllAsync();
        Assert.That(await publisher.GetSubscriber().PublishAsync(RedisChannel.Literal(channel), "late"), Is.EqualTo(2));
    }

    /// <summary>
    /// The .NET way to watch keys: CONFIG SET notify-keyspace-events, then a pattern
    /// subscription to __keyspace@0__:prefix* through StackExchange.Redis (over RESP3 the
    /// messages arrive as pushes on the same connection).
    /// </summary>
    [Test]
    public async Task StackExchangeRedisWatchesKeysThroughKeyspaceNotifications()
    {
        var prefix = "kn:" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var watcher = await Server.ConnectAsync(protocol);
        await using var writer = await Server.ConnectAsync(protocol);
        var server = writer.GetServer(Server.EndPoint);
        await server.ConfigSetAsync("notify-keyspace-events", "Kgsx");
        try
        {
            var queue = await watcher.GetSubscriber().SubscribeAsync(RedisChannel.Pattern("__keyspace@0__:" + prefix + "*"));
            var db = writer.GetDatabase();
            await db.StringSetAsync(prefix + "a", "1");
            await db.SetAddAsync(prefix + "s", "m");
            await db.KeyExpireAsync(prefix + "s", TimeSpan.FromMilliseconds(50));
            await db.KeyDeleteAsync(prefix + "a");
            var seen = new List<string>();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            for (int i = 0; i < 4; i++)
            {
                var m = await queue.ReadAsync(cts.Token);
                seen.Add(m.Channel.ToString()["__keyspace@0__:".Length..] + " " + m.Message);
            }
            // String events ($) are not asked for: SET is not heard, the rest is, in order.
            Assert.That(seen, Is.EqualTo(new[] { prefix + "s sadd", prefix + "s expire", prefix + "a del", prefix + "s expired" }));
        }
        finally
        {
            await server.ConfigSetAsync("notify-keyspace-events", "");
        }
    }

    [Test]
    public void RawRepliesAndTheSubscribedContext()
    {
        using var sub = Server.Raw();
        using var pub = Server.Raw();
        var (c1, c2) = (Channel(), Channel());
        bool resp3 = protocol == RedisProtocol.Resp3;
        if (resp3) Assert.That(sub.Call("HELLO", "3"), Does.StartWith("%"));
        string arr = resp3 ? ">" : "*";
        sub.Send(RawClient.Command("SUBSCRIBE", c1, c2));
        Assert.That(sub.ReadReply(), Is.EqualTo($"{arr}[$subscribe,${c1},:1]"));
        Assert.That(sub.ReadReply(), Is.EqualTo($"{arr}[$subscribe,${c2},:2]"));
        Assert.That(sub.Call("PSUBSCRIBE", "ch:*"), Is.EqualTo($"{arr}[$psubscribe,$ch:*,:3]"));
        if (resp3)
        {
            Assert.That(sub.Call("PING"), Is.EqualTo("+PONG"), "RESP3 runs any command while subscribed");
            Assert.That(sub.Call("SET", c1, "v"), Is.EqualTo("+OK"));
        }
        else
        {
            Assert.That(sub.Call("PING"), Is.EqualTo("*[$pong,$]"));
            Assert.That(sub.Call("PING", "hi"), Is.EqualTo("*[$pong,$hi]"));
            Assert.That(sub.Call("GET", c1), Is.EqualTo("-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"));
        }
        Assert.That(pub.Call("PUBLISH", c1, "hello"), Is.EqualTo(":2"), "the channel and the pattern");
        Assert.That(sub.ReadReply(), Is.EqualTo($"{arr}[$message,${c1},$hello]"));
        Assert.That(sub.ReadReply(), Is.EqualTo($"{arr}[$pmessage,$ch:*,${c1},$hello]"));
        Assert.That(pub.Call("PUBSUB", "NUMSUB", c1, "nobody"), Is.EqualTo($"*[${c1},:1,$nobody,:0]"));
        Assert.That(pub.Call("PUBSUB", "NUMPAT"), Is.EqualTo(":1"));
        Assert.That(sub.Call("PUNSUBSCRIBE"), Is.EqualTo($"{arr}[$punsubscribe,$ch:*,:2]"));
        Assert.That(sub.Call("UNSUBSCRIBE", c1), Is.EqualTo($"{arr}[$unsubscribe,${c1},:1]"));
        Assert.That(sub.Call("UNSUBSCRIBE"), Is.EqualTo($"{arr}[$unsubscribe,${c2},:0]"));
        Assert.That(sub.Call("UNSUBSCRIBE"), Is.EqualTo($"{arr}[$unsubscribe,{(resp3 ? "_" : "$nil")},:0]"));
        Assert.That(sub.Call("PING"), Is.EqualTo("+PONG"), "no subscription left: an ordinary connection again");
        Assert.That(pub.Call("PUBLISH", c1, "nobody"), Is.EqualTo(":0"));
        Assert.That(pub.Call("PUBSUB", "CHANNELS", "ch:*"), Does.Not.Contain(c1));
    }

    [Test]
    public async Task ShardChannelsAreANamespaceOfTheirOwnThroughStackExchangeRedis()
    {
        var channel = Channel();
        await using var a = await Server.ConnectAsync(protocol);
        await using var b = await Server.ConnectAsync(protocol);
        await using var publisher = await Server.ConnectAsync(protocol);
        var sharded = await a.GetSubscriber().SubscribeAsync(RedisChannel.Sharded(channel));
        var literal = new ConcurrentQueue<string>();
        await b.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel), (_, msg) => literal.Enqueue("b:" + msg));
        await b.GetSubscriber().SubscribeAsync(RedisChannel.Pattern("ch:*"), (_, msg) => literal.Enqueue("p:" + msg));

        // SPUBLISH reaches the shard subscriber only; PUBLISH the channel and the pattern only.
        Assert.That(await publisher.GetSubscriber().PublishAsync(RedisChannel.Sharded(channel), "s1"), Is.EqualTo(1));
        Assert.That(await publisher.GetSubscriber().PublishAsync(RedisChannel.Literal(channel), "l1"), Is.EqualTo(2));
        Assert.That(await publisher.GetSubscriber().PublishAsync(RedisChannel.Sharded(channel), "s2"), Is.EqualTo(1));
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            Assert.That((await sharded.ReadAsync(cts.Token)).Message.ToString(), Is.EqualTo("s1"));
            Assert.That((await sharded.ReadAsync(cts.Token)).Message.ToString(), Is.EqualTo("s2"));
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (literal.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(10);
        await Task.Delay(50);
        Assert.That(literal, Is.EquivalentTo(new[] { "b:l1", "p:l1" }));

        using var raw = Server.Raw();
        Assert.That(raw.Call("PUBSUB", "SHARDNUMSUB", channel, "nobody"), Is.EqualTo($"*[${channel},:1,$nobody,:0]"));
        Assert.That(raw.Call("PUBSUB", "SHARDCHANNELS", "ch:*"), Does.Contain(channel));
        Assert.That(raw.Call("PUBSUB", "NUMSUB", channel), Is.EqualTo($"*[${channel},:1]"), "the literal subscription only");
        await sharded.UnsubscribeAsync();
        Assert.That(await publisher.GetSubscriber().PublishAsync(RedisChannel.Sharded(channel), "late"), Is.EqualTo(0));
        Assert.That(raw.Call("PUBSUB", "SHARDCHANNELS", "ch:*"), Does.Not.Contain(channel));
    }

    /// <summary>Replies checked against redis-server 7.0.15 first.</summary>
    [Test]
    public void ShardSubscriptionsCountApartAndHoldTheSubscribedContext()
    {
        using var sub = Server.Raw();
        using var pub = Server.Raw();
        var (c1, c2) = (Channel(), Channel());
        bool resp3 = protocol == RedisProtocol.Resp3;
        if (resp3) Assert.That(sub.Call("HELLO", "3"), Does.StartWith("%"));
        string arr = resp3 ? ">" : "*";
        sub.Send(RawClient.Command("SSUBSCRIBE", c1, c2));
        Assert.That(sub.ReadReply(), Is.EqualTo($"{arr}[$ssubscribe,${c1},:1]"));
        Assert.That(sub.ReadReply(), Is.EqualTo($"{arr}[$ssubscribe,${c2},:2]"));
        // Channels and patterns count together, shard channels apart.
        Assert.That(sub.Call("SUBSCRIBE", c1), Is.EqualTo($"{arr}[$subscribe,${c1},:1]"));
        Assert.That(sub.Call("SSUBSCRIBE", c1), Is.EqualTo($"{arr}[$ssubscribe,${c1},:2]"), "already subscribed");
        Assert.That(sub.Call("PSUBSCRIBE", "ch:*"), Is.EqualTo($"{arr}[$psubscribe,$ch:*,:2]"));
        Assert.That(pub.Call("SPUBLISH", c1, "hi"), Is.EqualTo(":1"), "patterns do not hear shard channels");
        Assert.That(sub.ReadReply(), Is.EqualTo($"{arr}[$smessage,${c1},$hi]"));
        Assert.That(pub.Call("CLIENT", "LIST"), Does.Contain("sub=1 psub=1 ssub=2 "));
        Assert.That(pub.Call("INFO", "stats"), Does.Match(@"pubsubshard_channels:[2-9]"));
        Assert.That(sub.Call("UNSUBSCRIBE"), Is.EqualTo($"{arr}[$unsubscribe,${c1},:1]"));
        Assert.That(sub.Call("PUNSUBSCRIBE"), Is.EqualTo($"{arr}[$punsubscribe,$ch:*,:0]"));
        if (!resp3)
            Assert.That(sub.Call("SPUBLISH", c1, "x"), Is.EqualTo("-ERR Can't execute 'spublish': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"),
                "shard subscriptions alone hold a RESP2 connection in the subscribed context");
        Assert.That(sub.Call("SUNSUBSCRIBE", c1), Is.EqualTo($"{arr}[$sunsubscribe,${c1},:1]"));
        Assert.That(sub.Call("SUNSUBSCRIBE"), Is.EqualTo($"{arr}[$sunsubscribe,${c2},:0]"));
        Assert.That(sub.Call("SUNSUBSCRIBE"), Is.EqualTo($"{arr}[$sunsubscribe,{(resp3 ? "_" : "$nil")},:0]"));
        Assert.That(sub.Call("PING"), Is.EqualTo("+PONG"), "no subscription left: an ordinary connection again");

        // Inside EXEC SSUBSCRIBE is refused (SUBSCRIBE is let through there, for compatibility).
        Assert.That(sub.Call("MULTI"), Is.EqualTo("+OK"));
        Assert.That(sub.Call("SSUBSCRIBE", c1), Is.EqualTo("+QUEUED"));
        Assert.That(sub.Call("SPUBLISH", c1, "tx"), Is.EqualTo("+QUEUED"));
        Assert.That(sub.Call("EXEC"), Is.EqualTo("*[-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client,:0]"));

        // RESET drops shard subscriptions with the rest.
        Assert.That(sub.Call("SSUBSCRIBE", c2), Is.EqualTo($"{arr}[$ssubscribe,${c2},:1]"));
        Assert.That(sub.Call("RESET"), Is.EqualTo("+RESET"));
        Assert.That(pub.Call("PUBSUB", "SHARDNUMSUB", c2), Is.EqualTo($"*[${c2},:0]"));
        Assert.That(pub.Call("PUBSUB", "SHARDCHANNELS", "a", "b"), Is.EqualTo("-ERR unknown subcommand or wrong number of arguments for 'SHARDCHANNELS'. Try PUBSUB HELP."));
    }

    /// <summary>
    /// The soft limit, on this server and on redis-server alike: subscribers that stop
    /// reading go over it while messages pile up; with 60 seconds allowed they are still
    /// served two seconds later. Once only one second is allowed (the clock started when each
    /// first went over), the next message closes one of them, and the cron closes the other,
    /// which gets no more messages. The limit changes in the same transaction as that
    /// message, so the cron cannot close the first one in between.
    /// </summary>
    [Test]
    public void SubscribersOverTheSoftLimitLongerThanItsSecondsAreDisconnectedAsByRedis()
    {
        using var redis = new Tools.ReferenceRedis("soft-limit");
        var outcomes = new[] { redis.Port, Server.Port }.Select(port =>
        {
            using var admin = new RawClient(port);
            string Clients() => Regex.Match(admin.Call("INFO", "clients"), @"connected_clients:(\d+)").Groups[1].Value;
            Assert.That(admin.Call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 256kb 60"), Is.EqualTo("+OK"));
            try
            {
                string published = Channel(), quiet = Channel();
                using var sub1 = new RawClient(port);
                using var sub2 = new RawClient(port);
                sub1.Call("SUBSCRIBE", published);
                sub2.Call("SUBSCRIBE", quiet);
                var payload = new string('s', 64 * 1024);
                // 19 MB each that the subscribers never read: more than their socket buffers hold, so the server keeps the rest.
                var flood = Enumerable.Range(0, 300).SelectMany(_ => new[] { admin.Call("PUBLISH", published, payload), admin.Call("PUBLISH", quiet, payload) })
                    .Distinct().ToArray();
                Thread.Sleep(2200);
                var within = $"{admin.Call("PUBLISH", published, payload)},{admin.Call("PUBLISH", quiet, payload)}";
                admin.Call("MULTI");
                admin.Call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 256kb 1");
                admin.Call("PUBLISH", published, payload); // counted, then the subscriber is closed
                var over = admin.Call("EXEC");
                var deadline = DateTime.UtcNow.AddSeconds(5);
                string after, quietAfter;
                while ((after = admin.Call("PUBLISH", published, "x")) != ":0" && DateTime.UtcNow < deadline) Thread.Sleep(20);
                while ((quietAfter = admin.Call("PUBSUB", "NUMSUB", quiet)) != $"*[${quiet},:0]" && DateTime.UtcNow < deadline) Thread.Sleep(20);
                return $"flood {string.Join(',', flood)}; 2 s later with 60 allowed {within}; with 1 allowed {over}, then {after}; "
                    + $"the quiet one's subscribers {quietAfter.Replace(quiet, "quiet")}; clients left {Clients()}";
            }
            finally { admin.Call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"); }
        }).ToArray();
        Assert.That(outcomes[0], Is.EqualTo("flood :1; 2 s later with 60 allowed :1,:1; with 1 allowed *[+OK,:1], then :0; "
            + "the quiet one's subscribers *[$quiet,:0]; clients left 1"), "redis-server");
        Assert.That(outcomes[1], Is.EqualTo(outcomes[0]), "ours");
    }

    [Test]
    public void ASubscriberThatNeverReadsIsDisconnectedAtTheOutputLimit()
    {
        using var admin = Server.Raw();
        Assert.That(admin.Call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 0 0"), Is.EqualTo("+OK"));
        try
        {
            var channel = Channel();
            using var sub = Server.Raw();
            sub.Call("SUBSCRIBE", channel);
            var payload = new string('x', 64 * 1024);
            long delivered = 0;
            // The subscriber never reads: once its socket buffers are full, messages pile up until the limit.
            for (int i = 0; i < 2000 && (delivered = long.Parse(admin.Call("PUBLISH", channel, payload)[1..])) > 0; i++) { }
            Assert.That(delivered, Is.EqualTo(0), "the subscriber was dropped");
            Assert.That(admin.Call("INFO", "stats"), Does.Match(@"client_output_buffer_limit_disconnections:[1-9]"));
            Assert.That(admin.Call("PING"), Is.EqualTo("+PONG"));
        }
        finally { admin.Call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"); }
    }
}
