using System.Text;

namespace PasteRedis.Tests.Commands;

/// <summary>
/// Keyspace notifications beside the real redis-server: with notify-keyspace-events on
/// (every class, key-miss and new-key included), every command of the differential corpus
/// goes to both servers and the notifications each one publishes must be the same, in the
/// same order. A subscriber on each server collects them; a marker published from a third
/// connection after each command closes that command's share.
/// </summary>
[TestFixture]
public class KeyspaceEventsTests : ServerFixture
{
    private sealed class Observer : IDisposable
    {
        private readonly RawClient _commands, _subscriber, _marker;
        private int _sequence;

        public Observer(int port, string flags)
        {
            _commands = new RawClient(port) { BulkEncoding = Encoding.Latin1 };
            _subscriber = new RawClient(port) { BulkEncoding = Encoding.Latin1 };
            _marker = new RawClient(port);
            Assert.That(_commands.Call("CONFIG", "SET", "notify-keyspace-events", flags), Is.EqualTo("+OK"));
            Assert.That(_subscriber.Call("PSUBSCRIBE", "__key*__:*"), Does.StartWith("*[$psubscribe"));
            Assert.That(_subscriber.Call("SUBSCRIBE", "__marker"), Does.StartWith("*[$subscribe"));
        }

        /// <summary>Runs a command; returns its reply and the notifications it caused ("channel message").</summary>
        public (string Reply, List<string> Events) Run(string[] command)
        {
            var reply = _commands.Call(command);
            string mark = (++_sequence).ToString();
            Assert.That(_marker.Call("PUBLISH", "__marker", mark), Is.EqualTo(":1"));
            var events = new List<string>();
            while (true)
            {
                var message = _subscriber.ReadReply();
                if (message == $"*[$message,$__marker,${mark}]") return (reply, events);
                events.Add(message.Replace("*[$pmessage,$__key*__:*,$", "").TrimEnd(']').Replace(",$", " "));
            }
        }

        public void Dispose()
        {
            _commands.Dispose();
            _subscriber.Dispose();
            _marker.Dispose();
        }
    }

    [Test]
    public void EveryCommandNotifiesAsRedisDoes()
    {
        using var redis = new Tools.ReferenceRedis("keyspace-events");
        int port = redis.Port;
        using var real = new Observer(port, "KEAnm");
        using var ours = new Observer(Server.Port, "KEAnm");
        var differences = new List<string>();
        int notifying = 0;
        foreach (var raw in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Commands", "differential-corpus.txt")))
        {
            if (raw.Length == 0 || raw[0] == '#') continue;
            var args = DifferentialTests.Split(raw[0] is '~' or '!' ? raw[1..] : raw);
            if (args.Length > 0 && args[0].Equals("CONFIG", StringComparison.OrdinalIgnoreCase)
                && args.Any(a => a.Equals("notify-keyspace-events", StringComparison.OrdinalIgnoreCase))) continue;
            var (_, theirs) = real.Run(args);
            var (_, mine) = ours.Run(args);
            // Expiry is timed by each server's clock and cron: compared in its own test.
            theirs.RemoveAll(e => e.Contains("expired"));
            mine.RemoveAll(e => e.Contains("expired"));
            if (theirs.Count > 0) notifying++;
            if (!theirs.SequenceEqual(mine))
                differences.Add($"{string.Join(' ', args)}\n    redis: {string.Join(" | ", theirs)}\n    ours:  {string.Join(" | ", mine)}");
        }
        Assert.That(notifying, Is.GreaterThan(300), "commands that notified on Redis");
        Assert.That(differences, Is.Empty, $"{differences.Count} commands notify differently:\n" + string.Join("\n", differences));
    }
    /// <summary>A key whose time passes is notified "expired" (class x) when the cron or a read deletes it, on both servers alike.</summary>
    [Test]
    public void ExpiredKeysAreNotifiedAsRedisNotifiesThem()
    {
        using var redis = new Tools.ReferenceRedis("expired-events");
        int port = redis.Port;
        var seen = new List<string>();
        foreach (int p in new[] { port, Server.Port })
        {
            using var setter = new RawClient(p);
            using var subscriber = new RawClient(p);
            Assert.That(setter.Call("CONFIG", "SET", "notify-keyspace-events", "Kx"), Is.EqualTo("+OK"));
            Assert.That(subscriber.Call("PSUBSCRIBE", "__keyspace@0__:exp:*"), Does.StartWith("*[$psubscribe"));
            Assert.That(setter.Call("SET", "exp:cron", "v", "PX", "100"), Is.EqualTo("+OK"));
            seen.Add(subscriber.ReadReply()); // the cron's expiry, within a few of its passes
            Assert.That(setter.Call("SET", "exp:read", "v", "PX", "1"), Is.EqualTo("+OK"));
            Thread.Sleep(5);
            Assert.That(setter.Call("GET", "exp:read"), Is.EqualTo("$nil"));
            seen.Add(subscriber.ReadReply());
            Assert.That(setter.Call("DEL", "exp:none"), Is.EqualTo(":0"));
            Assert.That(setter.Call("CONFIG", "SET", "notify-keyspace-events", ""), Is.EqualTo("+OK"));
        }
        Assert.That(seen[0], Is.EqualTo("*[$pmessage,$__keyspace@0__:exp:*,$__keyspace@0__:exp:cron,$expired]"));
        Assert.That(seen[1], Is.EqualTo("*[$pmessage,$__keyspace@0__:exp:*,$__keyspace@0__:exp:read,$expired]"));
        Assert.That(seen[2..], Is.EqualTo(seen[..2]), "ours as Redis's");
    }

    /// <summary>Keys evicted under memory pressure are notified "evicted" (class e), one message per key.</summary>
    [Test]
    public async Task EvictedKeysAreNotified()
    {
        await using var small = await ServerInstance.StartAsync("--pbuf-memory", "1mb", "--maxmemory-policy", "allkeys-random");
        using var c = small.Raw();
        using var subscriber = small.Raw();
        Assert.That(c.Call("CONFIG", "SET", "notify-keyspace-events", "Ee"), Is.EqualTo("+OK"));
        Assert.That(subscriber.Call("SUBSCRIBE", "__keyevent@0__:evicted"), Does.StartWith("*[$subscribe"));
        var value = new string('e', 1000);
        for (int i = 0; i < 3000; i++) Assert.That(c.Call("SET", "ev:" + i, value), Is.EqualTo("+OK"));
        long evicted = long.Parse(System.Text.RegularExpressions.Regex.Match(c.Call("INFO", "stats"), @"evicted_keys:(\d+)").Groups[1].Value);
        Assert.That(evicted, Is.GreaterThan(1000));
        var keys = new HashSet<string>();
        for (long i = 0; i < evicted; i++)
        {
            var message = subscriber.ReadReply();
            Assert.That(message, Does.StartWith("*[$message,$__keyevent@0__:evicted,$ev:"));
            keys.Add(message[("*[$message,$__keyevent@0__:evicted,$".Length)..^1]);
        }
        Assert.That(keys, Has.Count.EqualTo(evicted), "each evicted key once");
        foreach (var key in keys.Take(50)) Assert.That(c.Call("EXISTS", key), Is.EqualTo(":0"));
    }
    /// <summary>
    /// Blocked clients served by another client's write notify what the pop did, after the
    /// push that served them, as Redis does (the served pop runs right after the pushing command).
    /// </summary>
    [Test]
    public void ServedBlockingCommandsNotifyAfterThePushAsRedisDoes()
    {
        using var redis = new Tools.ReferenceRedis("served-events");
        int port = redis.Port;
        var seen = new List<List<string>>();
        foreach (int p in new[] { port, Server.Port })
        {
            using var pusher = new RawClient(p);
            using var blocked = new RawClient(p);
            using var watcher = new RawClient(p);
            using var subscriber = new RawClient(p);
            Assert.That(pusher.Call("CONFIG", "SET", "notify-keyspace-events", "KEAn"), Is.EqualTo("+OK"));
            Assert.That(subscriber.Call("PSUBSCRIBE", "__keyspace@0__:blk:*"), Does.StartWith("*[$psubscribe"));
            void Blocked(params string[] command)
            {
                blocked.Send(RawClient.Command(command));
                for (int i = 0; i < 500 && !System.Text.RegularExpressions.Regex.IsMatch(watcher.Call("CLIENT", "LIST"), @"flags=b\b"); i++) Thread.Sleep(10);
            }
            var events = new List<string>();
            void Collect(int n)
            {
                for (int i = 0; i < n; i++) events.Add(subscriber.ReadReply().Replace("*[$pmessage,$__keyspace@0__:blk:*,$__keyspace@0__:", "").TrimEnd(']'));
            }
            Blocked("BLPOP", "blk:l", "0");
            Assert.That(pusher.Call("RPUSH", "blk:l", "a"), Is.EqualTo(":1"));
            Assert.That(blocked.ReadReply(), Is.EqualTo("*[$blk:l,$a]"));
            Collect(4); // new, rpush, lpop, del
            Blocked("BLMOVE", "blk:src", "blk:dst", "LEFT", "RIGHT", "0");
            Assert.That(pusher.Call("LPUSH", "blk:src", "x", "y"), Is.EqualTo(":2"));
            Assert.That(blocked.ReadReply(), Is.EqualTo("$y"));
            Collect(5); // new src, lpush, new dst, rpush, lpop
            Blocked("BZPOPMIN", "blk:z", "0");
            Assert.That(pusher.Call("ZADD", "blk:z", "1", "m"), Is.EqualTo(":1"));
            Assert.That(blocked.ReadReply(), Does.StartWith("*[$blk:z,$m,"));
            Collect(4); // new, zadd, zpopmin, del
            Assert.That(pusher.Call("CONFIG", "SET", "notify-keyspace-events", ""), Is.EqualTo("+OK"));
            Assert.That(pusher.Call("DEL", "blk:dst"), Is.EqualTo(":1"));
            seen.Add(events);
        }
        Assert.That(seen[0], Is.EqualTo(new[]
        {
            "blk:l,$new", "blk:l,$rpush", "blk:l,$lpop", "blk:l,$del",
            "blk:src,$new", "blk:src,$lpush", "blk:dst,$new", "blk:dst,$rpush", "blk:src,$lpop",
            "blk:z,$new", "blk:z,$zadd", "blk:z,$zpopmin", "blk:z,$del",
        }), "what redis-server sent");
        Assert.That(seen[1], Is.EqualTo(seen[0]), "ours");
    }
}
