using System.Text;

namespace PasteRedis.Tests.Protocol;

/// <summary>The wire protocol over raw sockets: framing, pipelining, inline commands, errors.</summary>
[TestFixture]
public class ProtocolTests : ServerFixture
{
    protected override string[] ServerArgs => ["--proto-max-bulk-len", "2mb"];

    [Test]
    public void FramesSplitAtEveryByteParseTheSame()
    {
        var frame = Encoding.UTF8.GetBytes("*3\r\n$3\r\nSET\r\n$5\r\nsplit\r\n$11\r\nhello world\r\n*2\r\n$3\r\nGET\r\n$5\r\nsplit\r\n");
        for (int cut = 1; cut < frame.Length; cut++)
        {
            using var raw = Server.Raw();
            raw.Send(frame[..cut]);
            Thread.Sleep(cut % 10 == 0 ? 5 : 0);
            raw.Send(frame[cut..]);
            Assert.That(raw.ReadReply(), Is.EqualTo("+OK"), $"cut at {cut}");
            Assert.That(raw.ReadReply(), Is.EqualTo("$hello world"), $"cut at {cut}");
        }
    }

    [Test]
    public void OneByteAtATime()
    {
        using var raw = Server.Raw();
        foreach (var b in RawClient.Command("ECHO", "trickle"))
        {
            raw.Send([b]);
            Thread.Sleep(1);
        }
        Assert.That(raw.ReadReply(), Is.EqualTo("$trickle"));
    }

    [Test]
    public void TenThousandPipelinedCommandsInOneWrite()
    {
        using var raw = Server.Raw();
        var ms = new MemoryStream();
        for (int i = 0; i < 10_000; i++) ms.Write(RawClient.Command("INCR", "pipelined-counter"));
        raw.Send(ms.ToArray());
        for (int i = 1; i <= 10_000; i++) Assert.That(raw.ReadReply(), Is.EqualTo(":" + i));
    }

    [Test]
    public void InlineCommandsWithQuotesAndLowerCaseNames()
    {
        using var raw = Server.Raw();
        raw.Send("set inline-key \"hello \\\"quoted\\\" \\x41\\n\"\r\n");
        Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
        raw.Send("get inline-key\n");
        Assert.That(raw.ReadReply(), Is.EqualTo("$hello \"quoted\" A\n"));
        raw.Send("set 'single q' 'it\\'s'\r\n");
        Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
        Assert.That(raw.Call("get", "single q"), Is.EqualTo("$it's"));
        raw.Send("\r\n\r\n   \r\nPING\r\n");
        Assert.That(raw.ReadReply(), Is.EqualTo("+PONG"), "blank inline lines are skipped");
        raw.Send("*0\r\n*-1\r\nPING\r\n");
        Assert.That(raw.ReadReply(), Is.EqualTo("+PONG"), "empty multibulk frames are skipped");
    }

    private static readonly object[] ProtocolErrors =
    [
        new object[] { "*abc\r\n", "-ERR Protocol error: invalid multibulk length" },
        new object[] { "*2000000\r\n", "-ERR Protocol error: invalid multibulk length" },
        new object[] { "*1\r\nfoo\r\n", "-ERR Protocol error: expected '$', got 'f'" },
        new object[] { "*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length" },
        new object[] { "*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length" },
        new object[] { "*1\r\n$3000000\r\n", "-ERR Protocol error: invalid bulk length" },
        new object[] { "*1\r\n$+3\r\n", "-ERR Protocol error: invalid bulk length" },
        new object[] { "set a \"unbalanced\r\n", "-ERR Protocol error: unbalanced quotes in request" },
        new object[] { "set a \"closed\"x\r\n", "-ERR Protocol error: unbalanced quotes in request" },
    ];

    [TestCaseSource(nameof(ProtocolErrors))]
    public void ProtocolErrorRepliesThenCloses(string bytes, string expected)
    {
        using var raw = Server.Raw();
        raw.Send(bytes);
        Assert.That(raw.ReadReply(), Is.EqualTo(expected));
        Assert.That(raw.IsClosedByServer(), Is.True, "the connection is closed after a protocol error");
        using var other = Server.Raw();
        Assert.That(other.Call("PING"), Is.EqualTo("+PONG"), "other clients are unaffected");
    }

    [TestCase("*", "-ERR Protocol error: too big mbulk count string")]
    [TestCase("*1\r\n$", "-ERR Protocol error: too big bulk count string")]
    [TestCase("", "-ERR Protocol error: too big inline request")]
    public void OverlongLinesAreRefused(string prefix, string expected)
    {
        using var raw = Server.Raw();
        raw.Send(prefix + new string('1', 70 * 1024));
        Assert.That(raw.ReadReply(), Is.EqualTo(expected));
        Assert.That(raw.IsClosedByServer(), Is.True);
    }

    [Test]
    public void ErrorAfterValidCommandsAnswersThoseFirst()
    {
        using var raw = Server.Raw();
        raw.Send(Encoding.UTF8.GetBytes("PING\r\n*1\r\n$4\r\nPING\r\n*x\r\nPING\r\n"));
        Assert.That(raw.ReadReply(), Is.EqualTo("+PONG"));
        Assert.That(raw.ReadReply(), Is.EqualTo("+PONG"));
        Assert.That(raw.ReadReply(), Is.EqualTo("-ERR Protocol error: invalid multibulk length"));
        Assert.That(raw.IsClosedByServer(), Is.True, "nothing after the bad frame is executed");
    }

    [Test]
    public void ValueUpToProtoMaxBulkLenIsAccepted()
    {
        using var raw = Server.Raw();
        var big = new string('z', 2 * 1024 * 1024);
        Assert.That(raw.Call("SET", "big", big), Is.EqualTo("+OK"));
        Assert.That(raw.Call("STRLEN", "big"), Is.EqualTo(":" + big.Length));
        Assert.That(raw.Call("GET", "big"), Is.EqualTo("$" + big));
    }

    [Test]
    public void ClientVanishingMidFrameLeavesServerHealthy()
    {
        for (int i = 0; i < 20; i++)
        {
            using var raw = Server.Raw();
            raw.Send("*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$1000000\r\nonly-a-little");
        }
        using var ok = Server.Raw();
        Assert.That(ok.Call("GET", "half"), Is.EqualTo("$nil"), "a partial frame is never executed");
        Assert.That(ok.Call("PING"), Is.EqualTo("+PONG"));
    }

    [Test]
    public async Task ManyConcurrentClientsKeepTheirRepliesApart()
    {
        const int clients = 40, ops = 250;
        // Dedicated threads: blocking socket reads must not starve the in-process server's thread pool.
        var tasks = Enumerable.Range(0, clients).Select(c => Task.Factory.StartNew(() =>
        {
            using var raw = Server.Raw();
            for (int i = 0; i < ops; i++)
            {
                var value = $"client{c}-op{i}-" + new string((char)('a' + c % 26), c * 7 % 300);
                Assert.That(raw.Call("SET", $"cc:{c}", value), Is.EqualTo("+OK"));
                Assert.That(raw.Call("GET", $"cc:{c}"), Is.EqualTo("$" + value));
                raw.Call("INCR", "cc:shared");
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(tasks);
        using var check = Server.Raw();
        Assert.That(check.Call("GET", "cc:shared"), Is.EqualTo("$" + clients * ops));
    }
}
