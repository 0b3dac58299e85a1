namespace PasteRedis.Tests.Commands;

/// <summary>
/// DEBUG as Redis 7 has it: refused unless enable-debug-command allows it, then the
/// subcommands this server has, each compared with redis-server configured alike.
/// </summary>
[TestFixture]
public class DebugCommandTests
{
    [Test]
    public async Task ByDefaultDebugIsRefusedAsByRedis()
    {
        await using var server = await ServerInstance.StartAsync();
        string[][] commands =
        [
            ["DEBUG"], ["DEBUG", "OBJECT", "k"], ["DEBUG", "SLEEP", "0"], ["DEBUG", "nonsense"], ["DEBUG", "HELP"],
            ["CONFIG", "GET", "enable-debug-command"], ["CONFIG", "SET", "enable-debug-command", "yes"],
            ["MULTI"], ["DEBUG", "OBJECT", "k"], ["EXEC"],
        ];
        Assert.That(Tools.DifferencesFromRedis(server.Port, commands), Is.Empty);
    }

    [Test]
    public async Task RefusedBeforeAuthenticationAsByRedis()
    {
        using var redis = new Tools.ReferenceRedis("debug-auth");
        await using var server = await ServerInstance.StartAsync();
        foreach (var port in new[] { redis.Port, server.Port })
        {
            using (var admin = new RawClient(port)) Assert.That(admin.Call("CONFIG", "SET", "requirepass", "pw"), Is.EqualTo("+OK"));
            using var raw = new RawClient(port);
            Assert.That(raw.Call("DEBUG", "OBJECT", "k"), Does.StartWith("-ERR DEBUG command not allowed."), $"port {port}");
            Assert.That(raw.Call("GET", "k"), Does.StartWith("-NOAUTH"), $"port {port}");
        }
    }

    /// <summary>Both servers with DEBUG allowed (local: the tests connect over loopback).</summary>
    private static async Task<(Tools.ReferenceRedis Redis, ServerInstance Ours)> BothAllowingDebug(string name) =>
        (new Tools.ReferenceRedis(name, "--enable-debug-command", "local"), await ServerInstance.StartAsync("--enable-debug-command", "local"));

    [Test]
    public async Task ProtocolAnswersEveryTypeAsRedisInBothProtocols()
    {
        var (redis, ours) = await BothAllowingDebug("debug-protocol");
        using (redis)
        await using (ours)
        {
            string[] types = ["string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib", "push", "verbatim", "true", "false", "SET", "bogus"];
            var replies = new[] { redis.Port, ours.Port }.Select(port =>
            {
                using var raw = new RawClient(port);
                var got = new List<string>();
                foreach (var protocol in new[] { "2", "3" })
                {
                    raw.Call("HELLO", protocol);
                    foreach (var type in types)
                    {
                        got.Add($"RESP{protocol} {type}: {raw.Call("DEBUG", "PROTOCOL", type)}");
                        // A push comes before the reply it precedes.
                        if (protocol == "3" && type == "push") got.Add("  then " + raw.ReadReply());
                    }
                }
                return got;
            }).ToArray();
            Assert.That(replies[1], Is.EqualTo(replies[0]));
            Assert.That(replies[0], Does.Contain("RESP3 attrib: |[$key-popularity,*[$key:123,:90]]$Some real reply following the attribute"));
        }
    }

    [Test]
    public async Task SubcommandsAndTheirErrorsAsRedis()
    {
        var (redis, ours) = await BothAllowingDebug("debug-subcommands");
        using (redis)
        await using (ours)
        {
            string[][] commands =
            [
                ["DEBUG", "SLEEP", "0"], ["DEBUG", "SLEEP", "0.01"], ["DEBUG", "SLEEP", "abc"], ["DEBUG", "sleep"],
                ["DEBUG", "OBJECT"], ["DEBUG", "LOG", "a", "b"], ["DEBUG", "LOG", "hello"], ["DEBUG", "HELP", "x"],
                ["DEBUG", "populate-nothing", "1"], ["DEBUG", "PROTOCOL"], ["DEBUG", "SET-ACTIVE-EXPIRE", "1"],
                ["DEBUG", "OBJECT", "missing"], ["CONFIG", "GET", "enable-debug-command"],
            ];
            var replies = new[] { redis.Port, ours.Port }.Select(port =>
            {
                using var raw = new RawClient(port);
                return new[] { "2", "3" }.SelectMany(protocol =>
                {
                    raw.Call("HELLO", protocol);
                    return commands.Select(command => $"RESP{protocol} {string.Join(' ', command)}: {raw.Call(command)}").ToArray();
                }).ToArray();
            }).ToArray();
            Assert.That(replies[1], Is.EqualTo(replies[0]));
        }
    }

    [Test]
    public async Task SleepStopsTheWholeServer()
    {
        await using var server = await ServerInstance.StartAsync("--enable-debug-command", "yes");
        using var sleeper = server.Raw();
        using var other = server.Raw();
        var sleeping = Task.Run(() => sleeper.Call("DEBUG", "SLEEP", "0.5"));
        Thread.Sleep(100);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(other.Call("PING"), Is.EqualTo("+PONG"));
        Assert.That(sw.ElapsedMilliseconds, Is.GreaterThan(250), "another client waited for the sleep");
        Assert.That(await sleeping, Is.EqualTo("+OK"));
    }

    /// <summary>With active expiry off, keys nobody reads stay (DBSIZE counts them) until it is on again, on both servers.</summary>
    [Test]
    public async Task SetActiveExpireStopsAndRestartsTheCronsExpiry()
    {
        var (redis, ours) = await BothAllowingDebug("debug-expire");
        using (redis)
        await using (ours)
        {
            foreach (var port in new[] { redis.Port, ours.Port })
            {
                using var raw = new RawClient(port);
                Assert.That(raw.Call("DEBUG", "SET-ACTIVE-EXPIRE", "0"), Is.EqualTo("+OK"));
                for (int i = 0; i < 20; i++) raw.Call("SET", "short:" + i, "v", "PX", "30");
                Thread.Sleep(400);
                Assert.That(raw.Call("DBSIZE"), Is.EqualTo(":20"), $"port {port}: nothing expired in the background");
                Assert.That(raw.Call("DEBUG", "SET-ACTIVE-EXPIRE", "1"), Is.EqualTo("+OK"));
                var deadline = DateTime.UtcNow.AddSeconds(5);
                while (raw.Call("DBSIZE") != ":0" && DateTime.UtcNow < deadline) Thread.Sleep(20);
                Assert.That(raw.Call("DBSIZE"), Is.EqualTo(":0"), $"port {port}: expired once it was on again");
            }
        }
    }

    [Test]
    public void LogWritesTheMessageToTheServerLog()
    {
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        using var server = ServerProcess.Start(port, "--dir", dir, "--enable-debug-command", "yes");
        using var raw = new RawClient(port);
        Assert.That(raw.Call("DEBUG", "LOG", "a marker 7f3a"), Is.EqualTo("+OK"));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!server.Output.Contains("DEBUG LOG: a marker 7f3a") && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.That(server.Output, Does.Contain("DEBUG LOG: a marker 7f3a"));
    }

    /// <summary>
    /// DEBUG DIGEST and DIGEST-VALUE give redis-server's digests for the same data: every
    /// type, small and large (Redis's compact and full encodings), integers, scores, TTLs,
    /// two databases. A changed element changes them on both; this server's digest is the
    /// same after a restart from its log.
    /// </summary>
    [Test]
    public async Task DigestsAreRedisForEqualDataAndSurviveARestart()
    {
        var (redis, ours) = await BothAllowingDebug("debug-digest");
        using (redis)
        await using (ours)
        {
            var random = new Random(2024);
            var commands = new List<string[]>();
            foreach (int size in new[] { 3, 300 })
            {
                string Member(int i) => i % 3 == 0 ? (i * 7919).ToString() : $"m{i}:{random.Next(1000)}";
                commands.Add(["SET", $"s{size}", new string('v', size)]);
                commands.Add(["SET", $"n{size}", (size * 1234567).ToString()]);
                commands.Add(["RPUSH", $"l{size}", .. Enumerable.Range(0, size).Select(Member)]);
                commands.Add(["SADD", $"set{size}", .. Enumerable.Range(0, size).Select(Member)]);
                commands.Add(["SADD", $"ints{size}", .. Enumerable.Range(0, size).Select(i => (i * 31 - 50).ToString())]);
                commands.Add(["ZADD", $"z{size}", .. Enumerable.Range(0, size).SelectMany(i => new[] { (random.NextDouble() * 1000 - 500).ToString("R"), Member(i) })]);
                commands.Add(["HSET", $"h{size}", .. Enumerable.Range(0, size).SelectMany(i => new[] { Member(i), Member(i + 1) })]);
                for (int i = 0; i < size; i++) commands.Add(["XADD", $"x{size}", $"{i + 1}-{i % 4}", "f", Member(i), "g", "1"]);
            }
            commands.Add(["ZADD", "zinf", "inf", "top", "-inf", "bottom", "0.1", "tenth"]);
            commands.Add(["SET", "ttl", "v", "EX", "1000"]);
            commands.Add(["SELECT", "5"]);
            commands.Add(["SET", "s3", "another database"]);
            commands.Add(["SELECT", "0"]);
            string[] keys = ["s3", "n3", "l3", "set3", "ints3", "z3", "h3", "x3", "s300", "n300", "l300", "set300", "ints300", "z300", "h300", "x300", "zinf", "ttl", "missing"];

            string Digests(RawClient raw) => $"{raw.Call("DEBUG", "DIGEST")} {raw.Call(["DEBUG", "DIGEST-VALUE", .. keys])} {raw.Call("DEBUG", "DIGEST-VALUE")}";
            var before = new[] { redis.Port, ours.Port }.Select(port =>
            {
                using var raw = new RawClient(port);
                foreach (var command in commands) Assert.That(raw.Call(command), Does.Not.StartWith("-"), string.Join(' ', command));
                return Digests(raw);
            }).ToArray();
            TestContext.Out.WriteLine(before[0]);
            Assert.That(before[0], Does.Not.StartWith("+0000000000000000000000000000000000000000"), "redis-server digests a dataset");
            Assert.That(before[1], Is.EqualTo(before[0]));

            var changed = new[] { redis.Port, ours.Port }.Select(port =>
            {
                using var raw = new RawClient(port);
                raw.Call("LSET", "l300", "150", "changed");
                return Digests(raw);
            }).ToArray();
            Assert.That(changed[1], Is.EqualTo(changed[0]));
            Assert.That(changed[0].Split(' ')[0], Is.Not.EqualTo(before[0].Split(' ')[0]), "one element changed the dataset's digest");

            await ours.RestartAsync();
            using var after = ours.Raw();
            Assert.That(Digests(after), Is.EqualTo(changed[1]), "the same digests after a restart from the log");
        }
    }
}
