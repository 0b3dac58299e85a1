namespace PasteRedis.Tests.Commands;

[TestFixture]
public class ConnectionTests : ServerFixture
{

    /// <summary>
    /// CLIENT REPLY OFF, SKIP and ON in one pipeline, against the real redis-server: every
    /// reply that arrives (errors included) must be Redis's, and pub/sub messages still come.
    /// </summary>
    [Test]
    public void ClientReplyOffSkipAndOnAnswerAsRedis()
    {
        string[][] pipeline =
        [
            ["CLIENT", "REPLY", "OFF"], ["SET", "reply:a", "1"], ["GET", "reply:a"], ["NOSUCHCOMMAND"], ["INCR", "reply:a"],
            ["CLIENT", "REPLY", "SKIP"], ["CLIENT", "REPLY", "ON"], ["GET", "reply:a"],
            ["CLIENT", "REPLY", "SKIP"], ["GET", "reply:a"], ["GET", "reply:a"], ["CLIENT", "REPLY", "SKIP"], ["CLIENT", "REPLY", "SKIP"], ["ECHO", "skipped"], ["ECHO", "kept"],
            ["CLIENT", "REPLY", "NOPE"], ["CLIENT", "REPLY"], ["MULTI"], ["CLIENT", "REPLY", "OFF"], ["EXEC"], ["CLIENT", "REPLY", "ON"], ["ECHO", "end"],
        ];
        var dir = Directory.CreateTempSubdirectory("redis-client-reply").FullName;
        int port = ServerInstance.FreePort();
        using var redis = Tools.StartRedisServer(dir, port, "--appendonly", "no");
        try
        {
            List<string> Replies(RawClient client)
            {
                client.Send(pipeline.SelectMany(RawClient.Command).ToArray());
                var replies = new List<string>();
                while (replies.LastOrDefault() != "$end") replies.Add(client.ReadReply());
                return replies;
            }
            using var real = new RawClient(port);
            using var ours = Server.Raw();
            var expected = Replies(real);
            Assert.That(expected, Does.Contain("$kept").And.Not.Contain("$skipped"), "redis-server's replies are the reference");
            Assert.That(Replies(ours), Is.EqualTo(expected));

            // With replies off, a subscriber still gets its messages (pushes are not replies).
            using var sub = Server.Raw();
            Assert.That(sub.Call("HELLO", "3"), Does.StartWith("%")); // RESP3: any command may run while subscribed
            Assert.That(sub.Call("SUBSCRIBE", "reply:ch"), Does.StartWith(">[$subscribe"));
            sub.Send(RawClient.Command("CLIENT", "REPLY", "OFF"));
            Thread.Sleep(50);
            using var pub = Server.Raw();
            Assert.That(pub.Call("PUBLISH", "reply:ch", "still"), Is.EqualTo(":1"));
            Assert.That(sub.ReadReply(), Is.EqualTo(">[$message,$reply:ch,$still]"));
        }
        finally
        {
            redis.Kill();
            redis.WaitForExit();
            Directory.Delete(dir, true);
        }
    }

    [Test]
    public async Task MultiplexerHandshakePingEcho()
    {
        await using var mux = await Server.ConnectAsync();
        Assert.That(mux.IsConnected, Is.True);
        var db = mux.GetDatabase();
        Assert.That(await db.PingAsync(), Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That((string?)await db.ExecuteAsync("ECHO", "hello"), Is.EqualTo("hello"));
        using var raw = Server.Raw();
        Assert.That(raw.Call("PING"), Is.EqualTo("+PONG"));
        Assert.That(raw.Call("PING", "x"), Is.EqualTo("$x"));
        Assert.That(raw.Call("PING", "x", "y"), Is.EqualTo("-ERR wrong number of arguments for 'ping' command"));
    }

    [Test]
    public async Task Resp3ThroughStackExchangeRedis()
    {
        await using var mux = await Server.ConnectAsync(RedisProtocol.Resp3);
        var db = mux.GetDatabase();
        var server = mux.GetServer(Server.EndPoint);
        Assert.That(server.Protocol, Is.EqualTo(RedisProtocol.Resp3));
        await db.StringSetAsync("resp3", "v");
        Assert.That((string?)await db.StringGetAsync("resp3"), Is.EqualTo("v"));
        Assert.That((string?)await db.StringGetAsync("resp3-missing"), Is.Null);
        var config = await server.ConfigGetAsync("databases");
        Assert.That(config.Single().Value, Is.EqualTo("16"));
    }

    [Test]
    public void HelloSwitchesProtocolAndRepliesWithMap()
    {
        using var raw = Server.Raw();
        var hello = raw.Call("HELLO", "3");
        Assert.That(hello, Does.StartWith("%[$server,$redis,$version,$7.0.15,$proto,:3,$id,:"));
        Assert.That(raw.Call("GET", "nope"), Is.EqualTo("_"), "RESP3 null");
        Assert.That(raw.Call("CONFIG", "GET", "databases"), Is.EqualTo("%[$databases,$16]"));
        Assert.That(raw.Call("HELLO", "4"), Is.EqualTo("-NOPROTO unsupported protocol version"));
        Assert.That(raw.Call("HELLO", "2"), Does.StartWith("*[$server,$redis"));
        Assert.That(raw.Call("GET", "nope"), Is.EqualTo("$nil"));
        Assert.That(raw.Call("HELLO", "3", "SETNAME", "myname"), Does.StartWith("%["));
        Assert.That(raw.Call("CLIENT", "GETNAME"), Is.EqualTo("$myname"));
        Assert.That(raw.Call("HELLO", "3", "FOO"), Is.EqualTo("-ERR Syntax error in HELLO option 'FOO'"));
    }

    [Test]
    public void ClientCommands()
    {
        using var a = Server.Raw();
        using var b = Server.Raw();
        var idA = long.Parse(a.Call("CLIENT", "ID")[1..]);
        var idB = long.Parse(b.Call("CLIENT", "ID")[1..]);
        Assert.That(idB, Is.Not.EqualTo(idA));
        Assert.That(a.Call("CLIENT", "GETNAME"), Is.EqualTo("$nil"));
        Assert.That(a.Call("CLIENT", "SETNAME", "alpha"), Is.EqualTo("+OK"));
        Assert.That(a.Call("CLIENT", "SETNAME", "bad name"), Is.EqualTo("-ERR Client names cannot contain spaces, newlines or special characters."));
        Assert.That(a.Call("CLIENT", "SETINFO", "LIB-NAME", "rawtest"), Is.EqualTo("+OK"));
        Assert.That(a.Call("CLIENT", "SETINFO", "LIB-FOO", "x"), Is.EqualTo("-ERR Unrecognized option 'LIB-FOO'"));
        var info = a.Call("CLIENT", "INFO");
        Assert.That(info, Does.Contain($"id={idA} ").And.Contain("name=alpha").And.Contain("lib-name=rawtest").And.Contain("cmd=client|info"));
        var list = a.Call("CLIENT", "LIST");
        Assert.That(list, Does.Contain($"id={idA} ").And.Contain($"id={idB} "));
        Assert.That(a.Call("CLIENT", "LIST", "ID", idB.ToString()), Does.Contain($"id={idB} ").And.Not.Contain($"id={idA} "));
        Assert.That(a.Call("CLIENT", "KILL", "ID", idB.ToString()), Is.EqualTo(":1"));
        Assert.That(b.IsClosedByServer(), Is.True);
        Assert.That(a.Call("PING"), Is.EqualTo("+PONG"), "the killer is unaffected");
        Assert.That(a.Call("CLIENT", "KILL", "1.2.3.4:5"), Is.EqualTo("-ERR No such client"));
        Assert.That(a.Call("CLIENT", "FOO"), Is.EqualTo("-ERR unknown subcommand 'FOO'. Try CLIENT HELP."));
        Assert.That(a.Call("CLIENT", "HELP"), Does.StartWith("*[+CLIENT <subcommand>"));
    }

    [Test]
    public void ResetRestoresFreshState()
    {
        using var raw = Server.Raw();
        raw.Call("HELLO", "3");
        raw.Call("SELECT", "4");
        raw.Call("CLIENT", "SETNAME", "x");
        Assert.That(raw.Call("RESET"), Is.EqualTo("+RESET"));
        Assert.That(raw.Call("CLIENT", "GETNAME"), Is.EqualTo("$nil"));
        Assert.That(raw.Call("GET", "nope"), Is.EqualTo("$nil"), "back to RESP2");
        Assert.That(raw.Call("CLIENT", "INFO"), Does.Contain(" db=0 "));
    }

    [Test]
    public void QuitRepliesThenCloses()
    {
        using var raw = Server.Raw();
        Assert.That(raw.Call("QUIT"), Is.EqualTo("+OK"));
        Assert.That(raw.IsClosedByServer(), Is.True);
    }
}

[TestFixture]
public class AuthTests : ServerFixture
{
    protected override string[] ServerArgs => ["--requirepass", "s3cret"];

    [Test]
    public void CommandsNeedAuthentication()
    {
        using var raw = Server.Raw();
        Assert.That(raw.Call("GET", "x"), Is.EqualTo("-NOAUTH Authentication required."));
        Assert.That(raw.Call("FOO"), Does.StartWith("-ERR unknown command 'FOO'"), "existence is checked first, as in Redis");
        Assert.That(raw.Call("AUTH", "wrong"), Is.EqualTo("-WRONGPASS invalid username-password pair or user is disabled."));
        Assert.That(raw.Call("AUTH", "someone", "s3cret"), Is.EqualTo("-WRONGPASS invalid username-password pair or user is disabled."));
        Assert.That(raw.Call("HELLO", "3"), Does.StartWith("-NOAUTH HELLO must be called with the client already authenticated"));
        Assert.That(raw.Call("AUTH", "s3cret"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("SET", "x", "1"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("RESET"), Is.EqualTo("+RESET"));
        Assert.That(raw.Call("GET", "x"), Is.EqualTo("-NOAUTH Authentication required."), "RESET drops authentication");
        Assert.That(raw.Call("AUTH", "default", "s3cret"), Is.EqualTo("+OK"));
        var stats = raw.Call("INFO", "stats");
        Assert.That(stats, Does.Contain("auth_failures:2"));
    }

    [Test]
    public void HelloCanAuthenticate()
    {
        using var raw = Server.Raw();
        Assert.That(raw.Call("HELLO", "3", "AUTH", "default", "nope"), Is.EqualTo("-WRONGPASS invalid username-password pair or user is disabled."));
        Assert.That(raw.Call("HELLO", "3", "AUTH", "default", "s3cret"), Does.StartWith("%["));
        Assert.That(raw.Call("GET", "missing"), Is.EqualTo("_"));
    }

    [Test]
    public void UnauthenticatedClientsCannotSendBigFrames()
    {
        using var raw = Server.Raw();
        raw.Send("*11\r\n");
        Assert.That(raw.ReadReply(), Is.EqualTo("-ERR Protocol error: unauthenticated multibulk length"));
        Assert.That(raw.IsClosedByServer(), Is.True);
        using var raw2 = Server.Raw();
        raw2.Send("*1\r\n$16385\r\n");
        Assert.That(raw2.ReadReply(), Is.EqualTo("-ERR Protocol error: unauthenticated bulk length"));
    }

    [Test]
    public async Task MultiplexerAuthenticates()
    {
        await using var mux = await Server.ConnectAsync(password: "s3cret");
        await mux.GetDatabase().StringSetAsync("authed", "yes");
        Assert.That((string?)await mux.GetDatabase().StringGetAsync("authed"), Is.EqualTo("yes"));
    }

    [Test]
    public async Task AuthWithoutPasswordConfiguredIsAnError()
    {
        await using var open = await ServerInstance.StartAsync();
        using var raw = open.Raw();
        Assert.That(raw.Call("AUTH", "x"), Is.EqualTo("-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"));
    }
}
