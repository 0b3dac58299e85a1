using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Protocol;

/// <summary>
/// maxmemory-clients and CLIENT NO-EVICT (Redis 7's client eviction), each scenario run on
/// redis-server and on this server: a subscriber that stops reading piles up messages.
/// </summary>
[TestFixture]
public class ClientEvictionTests : ServerFixture
{
    private static long Stat(RawClient c, string name) =>
        long.Parse(Regex.Match(c.Call("INFO", "stats"), $@"{name}:(\d+)").Groups[1].Value);

    [Test]
    public async Task TheConfigurationIsRedisOwn()
    {
        await using var server = await ServerInstance.StartAsync();
        string[][] commands =
        [
            ["CONFIG", "GET", "maxmemory-clients"], ["CONFIG", "SET", "maxmemory-clients", "10%"], ["CONFIG", "GET", "maxmemory-clients"],
            ["CONFIG", "SET", "maxmemory-clients", "150%"], ["CONFIG", "SET", "maxmemory-clients", "abc"], ["CONFIG", "SET", "maxmemory-clients", "-1"],
            ["CONFIG", "SET", "maxmemory-clients", "4mb"], ["CONFIG", "GET", "maxmemory-clients"], ["CONFIG", "SET", "maxmemory-clients", "0"],
            ["CLIENT", "NO-EVICT", "on"], ["CLIENT", "NO-EVICT", "maybe"], ["CLIENT", "NO-EVICT"], ["CLIENT", "NO-EVICT", "OFF"],
        ];
        Assert.That(Tools.DifferencesFromRedis(server.Port, commands), Is.Empty);
    }

    /// <summary>
    /// What each server did when a subscriber (protected by NO-EVICT or not) took more than
    /// maxmemory-clients: whether every PUBLISH still reached it, and how many clients were evicted.
    /// </summary>
    private static string Scenario(int port, bool protect)
    {
        using var admin = new RawClient(port);
        long before = Stat(admin, "evicted_clients");
        var channel = "hog:" + Guid.NewGuid().ToString("N");
        using var sub = new TcpClient { ReceiveBufferSize = 4096 };
        sub.Connect("127.0.0.1", port);
        var subStream = sub.GetStream();
        if (protect) subStream.Write(RawClient.Command("CLIENT", "NO-EVICT", "on"));
        subStream.Write(RawClient.Command("SUBSCRIBE", channel));
        Thread.Sleep(200);
        Assert.That(admin.Call("CONFIG", "SET", "maxmemory-clients", "4mb"), Is.EqualTo("+OK"));
        try
        {
            using var publisher = new RawClient(port);
            var payload = new string('p', 64 * 1024);
            var replies = new List<string>();
            // 26 MB the subscriber never reads: far more than its socket buffers and the limit.
            // Then small messages for up to 3 s: an evicted subscriber leaves its channel
            // asynchronously on both servers, so its absence can show a little after the flood.
            try
            {
                for (int i = 0; i < 400; i++) replies.Add(publisher.Call("PUBLISH", channel, payload));
                var settle = DateTime.UtcNow.AddSeconds(3);
                while (!replies.Contains(":0") && DateTime.UtcNow < settle)
                {
                    replies.Add(publisher.Call("PUBLISH", channel, "x"));
                    Thread.Sleep(50);
                }
            }
            catch (Exception e) when (e is IOException or EndOfStreamException) { replies.Add("publisher evicted"); }
            using var observer = new RawClient(port);
            string evicted;
            try { evicted = (Stat(observer, "evicted_clients") - before) > 0 ? "some" : "none"; }
            catch (Exception e) when (e is IOException or EndOfStreamException) { evicted = "some (the observer too)"; }
            return $"subscriber {(replies.Contains(":0") ? "evicted" : "kept")}; evicted clients: {(evicted.StartsWith("some") ? "some" : "none")}";
        }
        finally
        {
            sub.Client.Close(0);
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    using var fresh = new RawClient(port);
                    if (fresh.Call("CONFIG", "SET", "maxmemory-clients", "0") == "+OK") break;
                }
                catch (Exception e) when (e is IOException or EndOfStreamException) { Thread.Sleep(50); }
            }
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task ASubscriberOverTheLimitIsEvictedUnlessProtected(bool protect)
    {
        using var redis = new Tools.ReferenceRedis("client-eviction");
        await using var server = await ServerInstance.StartAsync();
        var theirs = Scenario(redis.Port, protect);
        var ours = Scenario(server.Port, protect);
        Assert.That(theirs, Is.EqualTo(protect ? "subscriber kept; evicted clients: some" : "subscriber evicted; evicted clients: some"), "redis-server");
        Assert.That(ours, Is.EqualTo(theirs));
    }

    /// <summary>
    /// A subscriber on a channel and on 74 patterns matching it gets each message 75 times in
    /// one PUBLISH: a delivery midway takes it over maxmemory-clients and evicts it, and the
    /// deliveries after it run the eviction pass again while it is killed but not yet gone.
    /// Only it is evicted: the publisher and an idle bystander stay (counting the killed
    /// client's buffers in those passes evicted both; seen on the runtime's engine in CI).
    /// </summary>
    private static string EvictedWhileAnotherIsLeaving(int port)
    {
        using var bystander = new RawClient(port);
        long before = Stat(bystander, "evicted_clients");
        var channel = "twice:" + Guid.NewGuid().ToString("N");
        using var sub = new TcpClient { ReceiveBufferSize = 4096 };
        sub.Connect("127.0.0.1", port);
        sub.GetStream().Write(RawClient.Command("SUBSCRIBE", channel));
        var patterns = Enumerable.Range(1, channel.Length - 1).SelectMany(k => new[] { channel[..k] + "*", "*" + channel[k..] });
        sub.GetStream().Write(RawClient.Command(["PSUBSCRIBE", .. patterns]));
        Thread.Sleep(200);
        Assert.That(bystander.Call("CONFIG", "SET", "maxmemory-clients", "4mb"), Is.EqualTo("+OK"));
        try
        {
            using var publisher = new RawClient(port);
            var payload = new string('p', 64 * 1024);
            string publisherSaw = "kept";
            try
            {
                var settle = DateTime.UtcNow.AddSeconds(10);
                while (publisher.Call("PUBLISH", channel, payload) != ":0" && DateTime.UtcNow < settle) { }
                publisherSaw = publisher.Call("PING") == "+PONG" ? "kept" : "odd reply";
            }
            catch (Exception e) when (e is IOException or EndOfStreamException) { publisherSaw = "evicted"; }
            string bystanderSaw;
            try { bystanderSaw = bystander.Call("PING") == "+PONG" ? "kept" : "odd reply"; }
            catch (Exception e) when (e is IOException or EndOfStreamException) { bystanderSaw = "evicted"; }
            using var observer = new RawClient(port);
            return $"evicted clients: {Stat(observer, "evicted_clients") - before}; publisher {publisherSaw}; bystander {bystanderSaw}";
        }
        finally
        {
            sub.Client.Close(0);
            using var fresh = new RawClient(port);
            fresh.Call("CONFIG", "SET", "maxmemory-clients", "0");
        }
    }

    [Test]
    public async Task OnlyTheClientOverTheLimitIsEvictedWhenItGetsAMessageTwice()
    {
        using var redis = new Tools.ReferenceRedis("client-eviction-twice");
        await using var server = await ServerInstance.StartAsync();
        var theirs = EvictedWhileAnotherIsLeaving(redis.Port);
        Assert.That(theirs, Is.EqualTo("evicted clients: 1; publisher kept; bystander kept"), "redis-server");
        Assert.That(EvictedWhileAnotherIsLeaving(server.Port), Is.EqualTo(theirs));
    }

    [Test]
    public void ClientHelpIsRedisOwnPlusSetinfo()
    {
        using var redis = new Tools.ReferenceRedis("client-help");
        using var theirs = new RawClient(redis.Port);
        using var ours = Server.Raw();
        var expected = theirs.Call("CLIENT", "HELP").Replace(
            "+    Assign the name <name> to the current connection.,",
            "+    Assign the name <name> to the current connection.,+SETINFO <LIB-NAME|LIB-VER> <value>,+    Set client library name or version.,");
        Assert.That(ours.Call("CLIENT", "HELP"), Is.EqualTo(expected));
    }

    [Test]
    public void ClientListShowsBuffersAndTheNoEvictFlag()
    {
        using var c = Server.Raw();
        Assert.That(c.Call("CLIENT", "NO-EVICT", "on"), Is.EqualTo("+OK"));
        var line = c.Call("CLIENT", "INFO");
        Assert.That(line, Does.Match(@"flags=e .* qbuf=\d+ omem=\d+ tot-mem=\d+ cmd=client\|info"));
        Assert.That(c.Call("CLIENT", "NO-EVICT", "off"), Is.EqualTo("+OK"));
        Assert.That(c.Call("CLIENT", "INFO"), Does.Contain("flags=N "));
    }
}
