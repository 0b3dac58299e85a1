using System.Net.Sockets;
using PasteRedis.Tests.Paste;

namespace PasteRedis.Tests.Protocol;

/// <summary>Clients that never read, read slowly, vanish mid-reply, or arrive by the ten thousand.</summary>
[TestFixture]
public class HostileClientTests : ServerFixture
{
    // No log: packet buffers come back as soon as nothing holds them, so leaks show.
    protected override string[] ServerArgs => ["--appendonly", "no", "--pbuf-memory", "256mb"];

    private static long Field(RawClient raw, string field, string section) => PacketBufferServerTests.InfoField(raw, field, section);

    /// <summary>
    /// Free packet buffers, asked on a connection of its own (which holds one receive buffer
    /// while it asks): a long-lived connection's receive buffer moves on as it is used,
    /// and may leave a value's last bytes pinned behind it, so it cannot be the yardstick.
    /// </summary>
    private static long FreeBuffers(int port)
    {
        using var probe = new RawClient(port);
        return Field(probe, "pbufs_free", "paste");
    }

    /// <summary>Stores a value from a connection that is closed afterwards (so no live receive buffer shares the value's).</summary>
    private static void SetFromShortConnection(int port, string key, string value)
    {
        using var c = new RawClient(port);
        Assert.That(c.Call("SET", key, value), Is.EqualTo("+OK"));
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), what);
            Thread.Sleep(20);
        }
    }

    /// <summary>Sends <paramref name="frames"/> on a background thread (it blocks once the server stops reading) and never reads.</summary>
    private static (TcpClient Client, Thread Sender) FloodWithoutReading(int port, byte[] frames)
    {
        var tcp = new TcpClient { NoDelay = true, ReceiveBufferSize = 4096 };
        tcp.Connect("127.0.0.1", port);
        var sender = new Thread(() =>
        {
            try { tcp.GetStream().Write(frames); }
            catch (Exception) { } // closed under it: expected
        });
        sender.Start();
        return (tcp, sender);
    }

    [Test]
    public void AClientThatNeverReadsIsDroppedAtTheNormalOutputLimit()
    {
        using var admin = Server.Raw();
        admin.Call("SET", "big", new string('b', 256 * 1024));
        Assert.That(admin.Call("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0"), Is.EqualTo("+OK"));
        try
        {
            long before = Field(admin, "client_output_buffer_limit_disconnections", "stats");
            var frames = Enumerable.Range(0, 64).SelectMany(_ => RawClient.Command("GET", "big")).ToArray();
            var (tcp, sender) = FloodWithoutReading(Server.Port, frames);
            WaitFor(() => Field(admin, "client_output_buffer_limit_disconnections", "stats") > before, "the hog is disconnected");
            WaitFor(() => Field(admin, "connected_clients", "clients") == 1, "and gone");
            tcp.Dispose();
            sender.Join();
            Assert.That(admin.Call("STRLEN", "big"), Is.EqualTo(":262144"));
        }
        finally { admin.Call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"); }
    }

    [Test]
    public void WithoutALimitANonReadingClientStallsAndMemoryStaysBounded()
    {
        // A server process of its own, so its memory figures are its own.
        int port = ServerInstance.FreePort();
        using var server = ServerProcess.Start(port, "--appendonly", "no", "--pbuf-memory", "256mb", "--dir", ServerInstance.NewDataDir());
        SetFromShortConnection(port, "big", new string('g', 512 * 1024));
        using var admin = new RawClient(port);
        WaitFor(() => Field(admin, "connected_clients", "clients") == 1, "the setter is gone");
        long freeBefore = FreeBuffers(port);
        // 2 GB of replies asked for; the server must stop reading this client, not buffer them.
        var frames = Enumerable.Range(0, 4000).SelectMany(_ => RawClient.Command("GET", "big")).ToArray();
        var (tcp, sender) = FloodWithoutReading(port, frames);
        Thread.Sleep(1500);
        Assert.That(admin.Call("PING"), Is.EqualTo("+PONG"), "others are served meanwhile");
        Assert.That(Field(admin, "used_memory", "memory"), Is.LessThan(300L * 1024 * 1024), "managed memory stays far below the 2 GB asked for");
        Assert.That(Field(admin, "used_memory_rss", "memory"), Is.LessThan(1024L * 1024 * 1024), "and so does the process");
        Assert.That(Field(admin, "connected_clients", "clients"), Is.EqualTo(2));
        tcp.Dispose();
        sender.Join();
        WaitFor(() => Field(admin, "connected_clients", "clients") == 1, "the hog's connection is cleaned up");
        WaitFor(() => FreeBuffers(port) == freeBefore, "its receive buffers are returned");
    }

    [Test]
    public void AClientVanishingMidReplyLeavesNothingBehind()
    {
        SetFromShortConnection(Server.Port, "huge", new string('h', 8 * 1024 * 1024));
        using var admin = Server.Raw();
        WaitFor(() => Field(admin, "connected_clients", "clients") == 1, "the setter is gone");
        long freeBefore = FreeBuffers(Server.Port);
        for (int i = 0; i < 20; i++)
        {
            var tcp = new TcpClient { NoDelay = true, ReceiveBufferSize = 4096 };
            tcp.Connect("127.0.0.1", Server.Port);
            tcp.GetStream().Write(RawClient.Command("GET", "huge"));
            tcp.GetStream().ReadExactly(new byte[100]); // the reply has started
            tcp.Client.LingerState = new LingerOption(true, 0);
            tcp.Dispose();                                // and the client is gone (RST)
        }
        WaitFor(() => Field(admin, "connected_clients", "clients") == 1, "every vanished client is cleaned up");
        WaitFor(() => FreeBuffers(Server.Port) == freeBefore, "no packet buffer is leaked");
        Assert.That(admin.Call("STRLEN", "huge"), Is.EqualTo(":8388608"));
    }

    [Test]
    public void AClientVanishingMidFrameLeavesNothingBehind()
    {
        using var admin = Server.Raw();
        long freeBefore = FreeBuffers(Server.Port);
        for (int i = 0; i < 20; i++)
        {
            using var raw = Server.Raw();
            // 100 KB of a 1 MB value: the partial frame holds about 25 packet buffers until the client goes.
            raw.Send("*3\r\n$3\r\nSET\r\n$7\r\nmidhalf\r\n$1000000\r\n" + new string('m', 100_000));
        }
        WaitFor(() => Field(admin, "connected_clients", "clients") == 1, "every vanished client is cleaned up");
        WaitFor(() => FreeBuffers(Server.Port) == freeBefore, "the partial frames' buffers are returned");
        Assert.That(admin.Call("EXISTS", "midhalf"), Is.EqualTo(":0"), "a partial frame is never executed");
    }

    [Test]
    public void AOneBytePerTickClientDoesNotHoldUpOthers()
    {
        using var slow = Server.Raw();
        using var fast = Server.Raw();
        var frame = RawClient.Command("SET", "slow-key", "slow-value");
        int fastDone = 0;
        for (int i = 0; i < frame.Length - 1; i++)
        {
            slow.Send([frame[i]]);
            // Between two bytes of the slow frame, another client gets full service.
            for (int j = 0; j < 20; j++) Assert.That(fast.Call("INCR", "fast-counter"), Is.EqualTo(":" + ++fastDone));
            Thread.Sleep(2);
        }
        Assert.That(fast.Call("EXISTS", "slow-key"), Is.EqualTo(":0"), "the slow frame is not complete yet");
        slow.Send([frame[^1]]);
        Assert.That(slow.ReadReply(), Is.EqualTo("+OK"));
        Assert.That(fast.Call("GET", "slow-key"), Is.EqualTo("$slow-value"));
    }

    [Test]
    public void TenThousandIdleConnectionsAreHeldAndReleased()
    {
        int port = ServerInstance.FreePort();
        using var server = ServerProcess.Start(port, "--appendonly", "no", "--maxclients", "10010", "--dir", ServerInstance.NewDataDir());
        using var admin = new RawClient(port);
        long freeBefore = FreeBuffers(port);
        var idle = new List<TcpClient>();
        try
        {
            for (int i = 0; i < 10_000; i++)
            {
                var tcp = new TcpClient();
                tcp.Connect("127.0.0.1", port);
                idle.Add(tcp);
            }
            WaitFor(() => Field(admin, "connected_clients", "clients") == 10_001, "all 10 000 are connected");
            using (var other = new RawClient(port))
            {
                Assert.That(other.Call("SET", "alive", "yes"), Is.EqualTo("+OK"));
                Assert.That(other.Call("GET", "alive"), Is.EqualTo("$yes"));
            }
        }
        finally { foreach (var c in idle) c.Dispose(); }
        WaitFor(() => Field(admin, "connected_clients", "clients") == 1, "every idle connection is cleaned up");
        admin.Call("DEL", "alive"); // its value lay in a receive buffer
        WaitFor(() => FreeBuffers(port) == freeBefore, "their receive buffers are back in the pool");
    }

    [Test]
    public void IdleClientsAreClosedAfterTimeoutButBlockedAndSubscribedOnesWait()
    {
        using var admin = Server.Raw();
        using var idle = Server.Raw();
        using var blocked = Server.Raw();
        using var subscriber = Server.Raw();
        Assert.That(idle.Call("PING"), Is.EqualTo("+PONG"));
        subscriber.Call("SUBSCRIBE", "idle-test");
        blocked.Send(RawClient.Command("BLPOP", "idle-test-list", "0"));
        Assert.That(admin.Call("CONFIG", "SET", "timeout", "1"), Is.EqualTo("+OK"));
        try
        {
            for (int i = 0; i < 13; i++)
            {
                Thread.Sleep(200);
                Assert.That(admin.Call("PING"), Is.EqualTo("+PONG"), "an active client is not idle");
            }
            Assert.That(() => idle.Call("PING"), Throws.InstanceOf<IOException>().Or.InstanceOf<EndOfStreamException>().Or.InstanceOf<SocketException>(),
                "the idle client was closed");
            Assert.That(subscriber.Call("PING"), Is.EqualTo("*[$pong,$]"), "a subscriber waits by design");
            admin.Call("CONFIG", "SET", "timeout", "0");
            admin.Call("RPUSH", "idle-test-list", "v");
            Assert.That(blocked.ReadReply(), Is.EqualTo("*[$idle-test-list,$v]"), "a blocked client waits by design");
        }
        finally { admin.Call("CONFIG", "SET", "timeout", "0"); }
    }

    [Test]
    public void AcceptedSocketsUseTcpKeepalive()
    {
        var ss = Tools.Require("ss", "iproute2");
        using var admin = Server.Raw();
        Assert.That(admin.Call("CONFIG", "GET", "tcp-keepalive"), Is.EqualTo("*[$tcp-keepalive,$300]"));
        var (code, output) = Tools.Run(ss, "-tnoH", "state", "established", $"( sport = :{Server.Port} )");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("timer:(keepalive"), "the server's end of the connection has a keepalive timer");
    }

    /// <summary>
    /// A killed client that has stopped reading is closed at once, with what it was still
    /// owed dropped (Redis's freeClient), on this server as on redis-server: its socket
    /// leaves ESTABLISHED while the client still has not read a byte. (A server that kept
    /// the connection until the rest was sent would hold it, and a descriptor, for as long
    /// as the client does not read.)
    /// </summary>
    [Test]
    public void AKilledClientThatDoesNotReadIsClosedAtOnceAsByRedis()
    {
        var ss = Tools.Require("ss", "iproute2");
        using var redis = new Tools.ReferenceRedis("kill-nonreader");
        foreach (var (name, port) in new[] { ("redis-server", redis.Port), ("ours", Server.Port) })
        {
            using var admin = new RawClient(port);
            using var sub = new RawClient(port);
            var id = sub.Call("CLIENT", "ID")[1..];
            var addr = System.Text.RegularExpressions.Regex.Match(admin.Call("CLIENT", "LIST", "ID", id), @"addr=[\d.]+:(\d+)").Groups[1].Value;
            var channel = "nonreader-" + name;
            sub.Call("SUBSCRIBE", channel);
            var payload = new string('n', 64 * 1024);
            // 8 MB it never reads: more than both socket buffers hold, under the pubsub limits.
            for (int i = 0; i < 128; i++) Assert.That(admin.Call("PUBLISH", channel, payload), Is.EqualTo(":1"), name);
            string Established()
            {
                var (code, output) = Tools.Run(ss, "-tnH", "state", "established", $"( sport = :{port} and dport = :{addr} )");
                Assert.That(code, Is.EqualTo(0), output);
                return output.Trim();
            }
            Assert.That(Established(), Is.Not.Empty, $"{name}: the subscriber is connected");
            Assert.That(admin.Call("CLIENT", "KILL", "ID", id), Is.EqualTo(":1"), name);
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (Established().Length > 0 && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.That(Established(), Is.Empty, $"{name}: the killed client's connection is closed without waiting for it to read");
            Assert.That(admin.Call("PUBLISH", channel, "x"), Is.EqualTo(":0"), name);
        }
    }
}
