using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace PasteRedis.Tests.Commands;

/// <summary>
/// ACL users as Redis 7 has them: ACL SETUSER and its rules, AUTH and HELLO with a user name,
/// the check every command passes (command, keys, channels; in MULTI, in EXEC, in scripts),
/// the security log, deleted users' connections, requirepass as the default user's password,
/// "user" lines in the config file and CONFIG REWRITE. Compared with redis-server where
/// both give the same answer (Redis 7.0 lists a user's command rules in its own hash order
/// when several commands differ; this server keeps them in the order given, as Redis 7.2
/// does, so those comparisons use rules both write alike).
/// </summary>
[TestFixture]
public class AclTests
{
    [Test]
    public async Task UserManagementRepliesAsRedis()
    {
        await using var server = await ServerInstance.StartAsync();
        string[][] commands =
        [
            ["ACL", "SETUSER", "alice", "on", ">pw", "~k*", "&ch*", "-@all", "+get"],
            ["ACL", "LIST"], ["ACL", "GETUSER", "alice"], ["ACL", "USERS"], ["ACL", "WHOAMI"],
            ["ACL", "SETUSER", "bob"], ["ACL", "GETUSER", "bob"],
            ["ACL", "SETUSER", "carl", "+@all", "-@dangerous", "allkeys", "nopass", "on"], ["ACL", "GETUSER", "carl"],
            ["ACL", "SETUSER", "dave", "-@all", "+select|0", "#" + new string('a', 64), "allchannels"],
            ["ACL", "SETUSER", "gina", "-@all", "+config|get"],
            ["ACL", "SETUSER", "erin", "+@all", "-config", "+config|get", ">x", ">y", "<x"],
            ["ACL", "SETUSER", "frank", "reset"], ["ACL", "SETUSER", "frank", "on", "+get", "-@all", "+ping"],
            ["ACL", "LIST"],
            ["ACL", "SETUSER", "x", "+@foo"], ["ACL", "SETUSER", "x", "foo"], ["ACL", "SETUSER", "x", "+nosuch"],
            ["ACL", "SETUSER", "x", "#abc"], ["ACL", "SETUSER", "a b"], ["ACL", "SETUSER", "x", "~*", "~a"],
            ["ACL", "SETUSER", "x", "&*", "&a"], ["ACL", "SETUSER", "x", "<nope"], ["ACL", "SETUSER", "x", "!" + new string('0', 64)],
            ["ACL", "SETUSER", "x", "+config|get|x"], ["ACL", "SETUSER", "x", "+config|nosub"], ["ACL", "SETUSER", "x", "-select|0"],
            ["ACL", "SETUSER", "carl", "resetkeys", "nonsense"], ["ACL", "GETUSER", "carl"], // a refused rule changes nothing
            // Read and write key patterns (Redis 7's %R~ and %W~): a pattern given twice gains both.
            ["ACL", "SETUSER", "pat", "%R~a", "%W~a", "%R~b", "%RW~c", "%W~*"], ["ACL", "GETUSER", "pat"],
            ["ACL", "SETUSER", "pat2", "%R~*", "~a", "%wr~z"], ["ACL", "GETUSER", "pat2"],
            ["ACL", "SETUSER", "x", "%~a"], ["ACL", "SETUSER", "x", "%X~a"], ["ACL", "SETUSER", "x", "%RR~a"], ["ACL", "SETUSER", "x", "%R"],
            ["ACL", "SETUSER", "rw", "on", "nopass", "%R~r*", "%W~w*", "~both*", "+@all"],
            ["ACL", "DRYRUN", "rw", "get", "r1"], ["ACL", "DRYRUN", "rw", "get", "w1"], ["ACL", "DRYRUN", "rw", "set", "w1", "v"],
            ["ACL", "DRYRUN", "rw", "set", "r1", "v"], ["ACL", "DRYRUN", "rw", "set", "w1", "v", "GET"], ["ACL", "DRYRUN", "rw", "set", "both1", "v", "GET"],
            ["ACL", "DRYRUN", "rw", "copy", "r1", "w1"], ["ACL", "DRYRUN", "rw", "copy", "w1", "r1"], ["ACL", "DRYRUN", "rw", "lmove", "r1", "w1", "LEFT", "LEFT"],
            ["ACL", "DRYRUN", "rw", "object", "encoding", "w1"], ["ACL", "DRYRUN", "rw", "sort", "r1", "STORE", "w1"], ["ACL", "DRYRUN", "rw", "sort", "w1"],
            ["ACL", "DRYRUN", "rw", "bitfield", "w1", "GET", "u8", "0"], ["ACL", "DRYRUN", "rw", "bitfield", "w1", "SET", "u8", "0", "1"],
            // Selectors: a command is allowed when one selector allows all of it; "(~b*" "+set)" is one rule.
            ["ACL", "SETUSER", "sel", "on", "nopass", "~a*", "+get", "(~b*", "+set)", "(%R~c* +@hash)"], ["ACL", "GETUSER", "sel"],
            ["ACL", "DRYRUN", "sel", "get", "b1"], ["ACL", "DRYRUN", "sel", "set", "b1", "v"], ["ACL", "DRYRUN", "sel", "set", "a1", "v"],
            ["ACL", "DRYRUN", "sel", "hset", "c1", "f", "v"], ["ACL", "DRYRUN", "sel", "hget", "c1", "f"], ["ACL", "DRYRUN", "sel", "mget", "a1", "b1"],
            ["ACL", "DRYRUN", "sel", "incr", "zz"], ["ACL", "DRYRUN", "sel", "get", "a1"], ["ACL", "DRYRUN", "sel", "hgetall", "a1"],
            ["ACL", "SETUSER", "x", "(on)"], ["ACL", "SETUSER", "x", "(~a"], ["ACL", "SETUSER", "x", "(>pw)"], ["ACL", "SETUSER", "y", "~a)", "()"],
            ["ACL", "GETUSER", "y"], ["ACL", "LIST"], ["ACL", "SETUSER", "sel", "clearselectors"], ["ACL", "GETUSER", "sel"],
            ["ACL", "SETUSER", "sel", "(~z +get)"], ["ACL", "SETUSER", "sel", "reset"], ["ACL", "GETUSER", "sel"],
            ["ACL", "DRYRUN", "rw", "del", "w1"], ["ACL", "DRYRUN", "rw", "exists", "w1"], ["ACL", "DRYRUN", "rw", "eval", "return 1", "2", "r1", "w1"],
            ["ACL", "USERS"], ["ACL", "GETUSER", "x"],
            ["ACL", "DELUSER", "default"], ["ACL", "DELUSER", "nope"], ["ACL", "DELUSER", "nope", "bob"],
            ["ACL", "CAT"], ["ACL", "CAT", "nope"], ["ACL", "GENPASS", "0"], ["ACL", "GENPASS", "4097"], ["ACL", "GENPASS", "x"],
            ["ACL", "DRYRUN", "alice", "get", "k1"], ["ACL", "DRYRUN", "alice", "get", "x"], ["ACL", "DRYRUN", "alice", "incr", "k"],
            ["ACL", "DRYRUN", "alice", "nocmd"], ["ACL", "DRYRUN", "alice", "get"], ["ACL", "DRYRUN", "nope", "get", "x"],
            ["ACL", "DRYRUN", "alice", "mget", "k1", "k2"], ["ACL", "DRYRUN", "dave", "select", "0"], ["ACL", "DRYRUN", "dave", "select", "1"],
            ["ACL", "DRYRUN", "gina", "config", "get", "x"], ["ACL", "DRYRUN", "gina", "config", "set", "x", "y"],
            ["ACL", "DRYRUN", "erin", "config", "set", "x", "y"], ["ACL", "DRYRUN", "erin", "config", "get", "x"],
            ["ACL", "LOG", "RESET"], ["ACL", "LOG"], ["ACL", "LOG", "0"], ["ACL", "LOG", "x"], ["ACL", "HELP", "x"],
            ["ACL"], ["ACL", "nope"],
            ["CONFIG", "SET", "requirepass", "foo"], ["ACL", "GETUSER", "default"],
            ["CONFIG", "SET", "maxmemory", "0"], ["ACL", "GETUSER", "default"], // any other CONFIG SET leaves it
            ["CONFIG", "SET", "requirepass", ""], ["ACL", "GETUSER", "default"],
        ];
        Assert.That(Tools.DifferencesFromRedis(server.Port, commands), Is.Empty);
    }

    [Test]
    public async Task GenpassGivesFreshHexOfTheBitsAsked()
    {
        await using var server = await ServerInstance.StartAsync();
        using var raw = new RawClient(server.Port);
        var a = raw.Call("ACL", "GENPASS");
        var b = raw.Call("ACL", "GENPASS");
        Assert.That(a, Does.Match("^\\$[0-9a-f]{64}$"));
        Assert.That(b, Is.Not.EqualTo(a));
        Assert.That(raw.Call("ACL", "GENPASS", "5"), Does.Match("^\\$[0-9a-f]{2}$"));
        Assert.That(raw.Call("ACL", "GENPASS", "1"), Does.Match("^\\$[0-9a-f]$"));
    }

    [Test]
    public async Task CategoriesHoldTheCommandsRedisPutsThere()
    {
        using var redis = new Tools.ReferenceRedis("acl-cat");
        await using var server = await ServerInstance.StartAsync();
        using var real = new RawClient(redis.Port);
        using var ours = new RawClient(server.Port);
        foreach (var category in new[] { "keyspace", "read", "write", "hash", "string", "dangerous", "fast", "pubsub", "scripting", "connection", "transaction", "blocking" })
        {
            var theirs = Members(real.Call("ACL", "CAT", category));
            var mine = Members(ours.Call("ACL", "CAT", category));
            // What only this server lists there are commands Redis 7.0 does not have (7.2's CLIENT SETINFO, WAITAOF).
            foreach (var extra in mine.Except(theirs))
                Assert.That(real.Call("COMMAND", "INFO", extra), Is.EqualTo(real.Call("COMMAND", "INFO", "no-such-command")), $"{category}: {extra}");
            // What only Redis lists there are commands this server does not have.
            foreach (var missing in theirs.Except(mine))
                Assert.That(ours.Call(["ACL", "DRYRUN", "default", .. missing.Split('|')]), Does.StartWith("-ERR Command").Or.StartWith("-ERR wrong number"), $"{category}: {missing}");
            Assert.That(mine, Has.Count.GreaterThan(theirs.Count / 2), category);
        }

        static HashSet<string> Members(string reply) => reply.TrimStart('*', '[').TrimEnd(']').Split(',').Select(s => s.TrimStart('$')).ToHashSet();
    }

    /// <summary>The same commands, as the same restricted user, on redis-server and here: every reply alike, then the log's entries.</summary>
    [Test]
    public async Task PermissionsAreCheckedAsByRedis()
    {
        using var redis = new Tools.ReferenceRedis("acl-check");
        await using var server = await ServerInstance.StartAsync();
        var logs = new List<List<string>>();
        var replies = new[] { redis.Port, server.Port }.Select(port =>
        {
            using var admin = new RawClient(port);
            Assert.That(admin.Call("ACL", "SETUSER", "alice", "on", ">pw", "~k*", "&ch*", "-@all", "+get", "+set", "+publish", "+subscribe",
                "+psubscribe", "+mget", "+multi", "+exec", "+eval", "+client|id", "+object|encoding", "+sort", "+acl|whoami"), Is.EqualTo("+OK"));
            using var alice = new RawClient(port);
            var got = new List<string>();
            foreach (var command in new string[][]
            {
                ["GET", "k1"], ["AUTH", "alice", "pw"], ["ACL", "WHOAMI"], ["SET", "k1", "v"], ["GET", "k1"], ["GET", "x1"], ["MGET", "k1", "x2"],
                ["SET", "x", "y"], ["INCR", "k1"], ["OBJECT", "ENCODING", "k1"], ["OBJECT", "ENCODING", "x"], ["OBJECT", "FREQ", "k1"],
                ["SORT", "k1", "STORE", "x"], ["PUBLISH", "ch1", "m"], ["PUBLISH", "zz", "ch1"], ["CLIENT", "ID"], ["CLIENT", "LIST"],
                ["MULTI"], ["GET", "k1"], ["INCR", "k1"], ["GET", "x"], ["EXEC"],
                ["EVAL", "return redis.call('get','k1')", "0"], ["EVAL", "return redis.call('incr','k1')", "0"],
                ["EVAL", "return redis.call('get','x')", "0"], ["EVAL", "return redis.pcall('get','x')", "0"],
                ["EVAL", "return redis.call('publish','zz','m')", "0"],
                ["EVAL", "return {redis.acl_check_cmd('get','k1'), redis.acl_check_cmd('get','x'), redis.acl_check_cmd('incr','k1'), redis.acl_check_cmd('get')}", "0"],
                ["EVAL", "return redis.acl_check_cmd('nosuch','x')", "0"], ["EVAL", "return redis.acl_check_cmd()", "0"],
                ["AUTH", "alice", "bad"], ["AUTH", "nobody", "pw"], ["ACL", "WHOAMI"], ["HELLO", "2", "AUTH", "alice", "bad"],
                ["PSUBSCRIBE", "ch*"], ["PSUBSCRIBE", "c*"], ["SUBSCRIBE", "ch1", "zz"],
            })
            {
                var reply = alice.Call(command);
                // A client id differs; CLIENT ID's being allowed is what counts.
                got.Add($"{string.Join(' ', command)} -> {(command[0] == "CLIENT" && reply.StartsWith(':') ? ":id" : reply)}");
            }
            var log = admin.Call("ACL", "LOG");
            logs.Add(Entries(log));
            Assert.That(log, Does.Contain("user=alice"), "each entry's client-info names the user");
            return got;
        }).ToArray();
        Assert.That(replies[1], Is.EqualTo(replies[0]));
        Assert.That(replies[0], Has.Some.Contains("NOPERM this user has no permissions to run the 'incr' command"));
        Assert.That(replies[0], Has.Some.EndsWith("-> *[:1,$nil,$nil,:1]"), "redis.acl_check_cmd: get k1 yes, get x no, incr no, get (no key) yes");
        Assert.That(logs[1], Is.EqualTo(logs[0]));
        Assert.That(logs[0], Has.Some.EqualTo("count=2 reason=key context=lua object=x username=alice"));

        // "count=… reason=… context=… object=… username=…" per entry, newest first (age and client-info differ by nature).
        static List<string> Entries(string log) =>
            System.Text.RegularExpressions.Regex.Matches(log, @"\$count,:(\d+),\$reason,\$(\w+),\$context,\$(\w+),\$object,\$([^,]*),\$username,\$(\w+)")
                .Select(m => $"count={m.Groups[1]} reason={m.Groups[2]} context={m.Groups[3]} object={m.Groups[4]} username={m.Groups[5]}").ToList();
    }

    [Test]
    public async Task ExecRefusesWhatTheRulesNoLongerAllowAsRedis()
    {
        using var redis = new Tools.ReferenceRedis("acl-exec");
        await using var server = await ServerInstance.StartAsync();
        var replies = new[] { redis.Port, server.Port }.Select(port =>
        {
            using var admin = new RawClient(port);
            using var eve = new RawClient(port);
            var got = new List<string>
            {
                admin.Call("ACL", "SETUSER", "eve", "on", ">pw", "~*", "&*", "+@all"),
                eve.Call("AUTH", "eve", "pw"), eve.Call("MULTI"), eve.Call("SET", "k", "v"), eve.Call("GET", "k"), eve.Call("PING"),
                admin.Call("ACL", "SETUSER", "eve", "-set", "resetkeys", "~x*"),
                eve.Call("EXEC"),
            };
            var log = admin.Call("ACL", "LOG", "1");
            got.Add(log[..log.IndexOf("$age-seconds", StringComparison.Ordinal)]);
            return got;
        }).ToArray();
        Assert.That(replies[1], Is.EqualTo(replies[0]));
        Assert.That(replies[0][^2], Does.Contain("no permission to execute the command or subcommand"));
    }

    [Test]
    public async Task DeletedUsersAreDisconnectedAndClientKillFindsUsers()
    {
        await using var server = await ServerInstance.StartAsync();
        using var admin = new RawClient(server.Port);
        Assert.That(admin.Call("ACL", "SETUSER", "bob", "on", ">pw", "~*", "+@all"), Is.EqualTo("+OK"));
        using var bob = new RawClient(server.Port);
        using var bob2 = new RawClient(server.Port);
        Assert.That(bob.Call("AUTH", "bob", "pw"), Is.EqualTo("+OK"));
        Assert.That(bob2.Call("HELLO", "3", "AUTH", "bob", "pw"), Does.StartWith("%"));
        Assert.That(admin.Call("CLIENT", "LIST"), Does.Contain("user=bob").And.Contain("user=default"));
        Assert.That(admin.Call("CLIENT", "KILL", "USER", "nobody"), Is.EqualTo("-ERR No such user 'nobody'"));
        Assert.That(admin.Call("CLIENT", "KILL", "USER", "bob", "ID", ReadId(bob2)), Is.EqualTo(":1"));
        Assert.That(bob2.IsClosedByServer(), Is.True);
        Assert.That(admin.Call("ACL", "DELUSER", "bob"), Is.EqualTo(":1"));
        Assert.That(bob.IsClosedByServer(), Is.True, "a deleted user's connections are closed, as Redis closes them");
        Assert.That(admin.Call("PING"), Is.EqualTo("+PONG"));

        static string ReadId(RawClient c) => c.Call("CLIENT", "ID").TrimStart(':');
    }

    /// <summary>A rule change that takes a subscriber's channel away closes its connection; patterns count literally; others stay (as redis-server does).</summary>
    [Test]
    public async Task SubscribersLosingTheirChannelsAreDisconnectedAsByRedis()
    {
        using var redis = new Tools.ReferenceRedis("acl-subscribers");
        await using var server = await ServerInstance.StartAsync();
        var outcomes = new[] { redis.Port, server.Port }.Select(port =>
        {
            using var admin = new RawClient(port);
            Assert.That(admin.Call("ACL", "SETUSER", "sub", "on", ">pw", "~*", "&ch*", "&x", "+@all"), Is.EqualTo("+OK"));
            using var channel = new RawClient(port);
            using var pattern = new RawClient(port);
            using var plain = new RawClient(port);
            foreach (var c in new[] { channel, pattern, plain }) Assert.That(c.Call("AUTH", "sub", "pw"), Is.EqualTo("+OK"));
            channel.Call("SUBSCRIBE", "ch1");
            pattern.Call("PSUBSCRIBE", "x");
            Assert.That(admin.Call("ACL", "SETUSER", "sub", "resetchannels", "&x"), Is.EqualTo("+OK"));
            var got = new List<string> { $"channel closed: {channel.IsClosedByServer()}", $"pattern: {pattern.Call("PING")}", $"plain: {plain.Call("PING")}" };
            Assert.That(admin.Call("ACL", "SETUSER", "sub", "off"), Is.EqualTo("+OK"));
            got.Add($"after off: {plain.Call("PING")}");
            return got;
        }).ToArray();
        Assert.That(outcomes[1], Is.EqualTo(outcomes[0]));
        Assert.That(outcomes[0][0], Is.EqualTo("channel closed: True"));
    }

    [Test]
    public async Task RequirepassIsTheDefaultUsersPasswordAndUsersAuthenticate()
    {
        await using var server = await ServerInstance.StartAsync();
        using (var admin = new RawClient(server.Port))
        {
            Assert.That(admin.Call("ACL", "SETUSER", "alice", "on", ">a1", ">a2", "~*", "+@all"), Is.EqualTo("+OK"));
            Assert.That(admin.Call("ACL", "SETUSER", "off-user", "off", ">pw", "~*", "+@all"), Is.EqualTo("+OK"));
            Assert.That(admin.Call("ACL", "SETUSER", "open", "on", "nopass", "~*", "+@all"), Is.EqualTo("+OK"));
            Assert.That(admin.Call("AUTH", "x"), Does.StartWith("-ERR AUTH <password> called without any password configured"));
            Assert.That(admin.Call("CONFIG", "SET", "requirepass", "secret"), Is.EqualTo("+OK"));
            Assert.That(admin.Call("PING"), Is.EqualTo("+PONG"), "a connection made while the default user had no password stays authenticated");
        }
        using var raw = new RawClient(server.Port);
        Assert.That(raw.Call("GET", "k"), Is.EqualTo("-NOAUTH Authentication required."));
        Assert.That(raw.Call("AUTH", "wrong"), Is.EqualTo("-WRONGPASS invalid username-password pair or user is disabled."));
        Assert.That(raw.Call("AUTH", "off-user", "pw"), Is.EqualTo("-WRONGPASS invalid username-password pair or user is disabled."));
        Assert.That(raw.Call("AUTH", "open", "anything"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("ACL", "WHOAMI"), Is.EqualTo("$open"));
        Assert.That(raw.Call("AUTH", "alice", "a2"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("ACL", "WHOAMI"), Is.EqualTo("$alice"));
        Assert.That(raw.Call("AUTH", "secret"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("ACL", "WHOAMI"), Is.EqualTo("$default"));
        Assert.That(raw.Call("RESET"), Is.EqualTo("+RESET"));
        Assert.That(raw.Call("GET", "k"), Is.EqualTo("-NOAUTH Authentication required."), "RESET logs out");
        Assert.That(raw.Call("HELLO", "3", "AUTH", "alice", "a1"), Does.StartWith("%"));
        Assert.That(raw.Call("ACL", "SETUSER", "default", "resetpass", "nopass"), Is.EqualTo("+OK"));
        using var anyone = new RawClient(server.Port);
        Assert.That(anyone.Call("PING"), Is.EqualTo("+PONG"), "the default user needs no password again");
        Assert.That(raw.Call("ACL", "SETUSER", "default", "off"), Is.EqualTo("+OK"));
        using var refused = new RawClient(server.Port);
        Assert.That(refused.Call("PING"), Is.EqualTo("-NOAUTH Authentication required."), "the default user is off");
        Assert.That(refused.Call("AUTH", "alice", "a1"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("INFO", "stats"), Does.Contain("total_error_replies"));
    }

    [Test]
    public async Task StackExchangeRedisConnectsAsAUserAndSeesNoPerm()
    {
        await using var server = await ServerInstance.StartAsync();
        using (var admin = new RawClient(server.Port))
            Assert.That(admin.Call("ACL", "SETUSER", "app", "on", ">s3cret", "~app:*", "resetchannels", "+@all", "-@dangerous"), Is.EqualTo("+OK"));
        var options = ConfigurationOptions.Parse(server.EndPoint);
        options.User = "app";
        options.Password = "s3cret";
        options.AbortOnConnectFail = true;
        using var mux = await ConnectionMultiplexer.ConnectAsync(options);
        var db = mux.GetDatabase();
        await db.StringSetAsync("app:1", "v");
        Assert.That((string?)await db.StringGetAsync("app:1"), Is.EqualTo("v"));
        var e = Assert.ThrowsAsync<RedisServerException>(() => db.StringGetAsync("other"));
        Assert.That(e!.Message, Is.EqualTo("NOPERM this user has no permissions to access one of the keys used as arguments"));
        // A wrong password (and a default user that needs one): no working connection, from this server as from redis-server.
        using var redis = new Tools.ReferenceRedis("acl-se-wrong");
        var outcomes = new List<string>();
        foreach (var endPoint in new[] { $"127.0.0.1:{redis.Port}", server.EndPoint })
        {
            using (var admin = new RawClient(int.Parse(endPoint.Split(':')[1])))
            {
                admin.Call("ACL", "SETUSER", "app", "on", ">s3cret", "~app:*", "+@all");
                admin.Call("CONFIG", "SET", "requirepass", "adminpw"); // else a failed AUTH leaves the connection the default user's
            }
            var wrong = ConfigurationOptions.Parse(endPoint);
            wrong.User = "app";
            wrong.Password = "nope";
            wrong.AbortOnConnectFail = false;
            wrong.ConnectTimeout = 2000;
            wrong.ConnectRetry = 1;
            using var m = await ConnectionMultiplexer.ConnectAsync(wrong);
            try
            {
                await m.GetDatabase().StringGetAsync("app:1");
                outcomes.Add("served");
            }
            catch (Exception failure) { outcomes.Add(failure.GetType().Name); }
        }
        Assert.That(outcomes[1], Is.EqualTo(outcomes[0]));
        Assert.That(outcomes[0], Is.Not.EqualTo("served"));
    }

    /// <summary>"user" lines in the config file make users at start; CONFIG REWRITE writes every user back, so they survive a restart.</summary>
    [Test]
    public void UsersComeFromTheConfigFileAndConfigRewriteKeepsThem()
    {
        var confDir = Directory.CreateTempSubdirectory("acl-conf").FullName;
        var dir = ServerInstance.NewDataDir();
        Directory.CreateDirectory(dir);
        var conf = Path.Combine(confDir, "redis.conf");
        int port = ServerInstance.FreePort();
        try
        {
            File.WriteAllLines(conf, ["user alice on >pw ~k* +@all -@dangerous", "user default on nopass ~* &* +@all"]);
            using (var server = ServerProcess.Start(port, conf, "--dir", dir, "--pbuf-memory", "8mb"))
            {
                Assert.That(server.HasExited, Is.False, server.Output);
                using var raw = new RawClient(port);
                Assert.That(raw.Call("AUTH", "alice", "pw"), Is.EqualTo("+OK"));
                Assert.That(raw.Call("GET", "x"), Does.StartWith("-NOPERM"));
                Assert.That(raw.Call("AUTH", "default", "x"), Is.EqualTo("+OK"));
                Assert.That(raw.Call("ACL", "SETUSER", "bob", "on", "#" + Sha256("b"), "~*", "&*", "-@all", "+get"), Is.EqualTo("+OK"));
                Assert.That(raw.Call("ACL", "DELUSER", "alice"), Is.EqualTo(":1"));
                Assert.That(raw.Call("CONFIG", "REWRITE"), Is.EqualTo("+OK"));
            }
            Assert.That(File.ReadAllLines(conf).Where(l => l.StartsWith("user ")), Is.EqualTo(new[]
            {
                $"user bob on #{Sha256("b")} ~* &* -@all +get",
                "user default on nopass ~* &* +@all",
            }));
            using (var again = ServerProcess.Start(port, conf))
            {
                Assert.That(again.HasExited, Is.False, again.Output);
                using var raw = new RawClient(port);
                Assert.That(raw.Call("AUTH", "bob", "b"), Is.EqualTo("+OK"));
                Assert.That(raw.Call("SET", "k", "v"), Is.EqualTo("-NOPERM this user has no permissions to run the 'set' command"));
                Assert.That(raw.Call("AUTH", "alice", "pw"), Does.StartWith("-WRONGPASS"));
            }
            File.WriteAllLines(conf, ["user carol on +nosuch"]);
            using var refused = ServerProcess.Start(port, conf, "--dir", dir);
            Assert.That(refused.WaitForExit(10_000), Is.True, "a bad user line refuses the start");
            Assert.That(refused.Output, Does.Contain("Error in user declaration 'carol': Error in applying operation '+nosuch': Unknown command or category name in ACL"));
        }
        finally
        {
            Directory.Delete(dir, true);
            Directory.Delete(confDir, true);
        }
    }

    [Test]
    public async Task UnrestrictedUsersSkipTheCheckAndTheLogIsBounded()
    {
        await using var server = await ServerInstance.StartAsync();
        using var raw = new RawClient(server.Port);
        Assert.That(raw.Call("CONFIG", "SET", "acllog-max-len", "2"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("ACL", "SETUSER", "u", "on", "nopass", "-@all", "+auth"), Is.EqualTo("+OK"));
        using var u = new RawClient(server.Port);
        Assert.That(u.Call("AUTH", "u", "x"), Is.EqualTo("+OK"));
        foreach (var command in new string[][] { ["GET", "k"], ["SET", "k", "1"], ["INCR", "k"], ["GET", "k"] }) u.Call(command);
        Assert.That(u.Call("GET", "k"), Does.StartWith("-NOPERM"));
        var log = raw.Call("ACL", "LOG");
        Assert.That(System.Text.RegularExpressions.Regex.Matches(log, @"\$count,").Count, Is.EqualTo(2), "acllog-max-len 2 keeps two entries: " + log);
        // GET, SET, INCR (the first GET's entry dropped), GET anew, and once more: counted up, at the front.
        Assert.That(log, Does.StartWith("*[*[$count,:2,$reason,$command,$context,$toplevel,$object,$get,"),
            "the same refusal within a minute counts up its entry, moved to the front");
        Assert.That(log, Does.Contain("$object,$incr,").And.Not.Contain("$object,$set,"));
        Assert.That(raw.Call("CONFIG", "GET", "acl-pubsub-default"), Is.EqualTo("*[$acl-pubsub-default,$resetchannels]"));
        Assert.That(raw.Call("CONFIG", "SET", "acl-pubsub-default", "allchannels"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("ACL", "SETUSER", "v"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("ACL", "LIST"), Does.Contain("$user v off &* -@all"));
    }

    [Test]
    public async Task SetuserIsRedactedInTheSlowLogAsByRedis()
    {
        using var redis = new Tools.ReferenceRedis("acl-slowlog");
        await using var server = await ServerInstance.StartAsync();
        var logs = new[] { redis.Port, server.Port }.Select(port =>
        {
            using var raw = new RawClient(port);
            raw.Call("CONFIG", "SET", "slowlog-log-slower-than", "0");
            raw.Call("SLOWLOG", "RESET");
            raw.Call("ACL", "SETUSER", "zed", "on", ">secret");
            raw.Call("ACL", "DRYRUN", "zed", "get", "k");
            var log = raw.Call("SLOWLOG", "GET", "3");
            return System.Text.RegularExpressions.Regex.Matches(log, @"\*\[\$ACL,[^\]]*\]").Select(m => m.Value).ToList();
        }).ToArray();
        Assert.That(logs[1], Is.EqualTo(logs[0]));
        Assert.That(logs[0], Is.EqualTo(new[] { "*[$ACL,$DRYRUN,$zed,$get,$k]", "*[$ACL,$SETUSER,$(redacted),$(redacted),$(redacted)]" }));
    }

    /// <summary>
    /// aclfile: users loaded at start, ACL SAVE writes them, ACL LOAD replaces them (or, with
    /// a bad line, changes nothing and says why): the same steps on redis-server and here,
    /// each with its own copy of the file (paths in the errors are set aside).
    /// </summary>
    [Test]
    public async Task AclFileLoadsAndSavesAsRedis()
    {
        const string initial = "user default on nopass ~* &* +@all\nuser bob on >pw ~b* +get\n";
        string redisFile = Path.Combine(Directory.CreateTempSubdirectory("aclfile-redis").FullName, "users.acl");
        string ourFile = Path.Combine(Directory.CreateTempSubdirectory("aclfile-ours").FullName, "users.acl");
        File.WriteAllText(redisFile, initial);
        File.WriteAllText(ourFile, initial);
        try
        {
            using var redis = new Tools.ReferenceRedis("aclfile", "--aclfile", redisFile);
            await using var server = await ServerInstance.StartAsync("--aclfile", ourFile);
            var runs = new[] { (redis.Port, redisFile), (server.Port, ourFile) }.Select(run =>
            {
                var (port, file) = run;
                using var raw = new RawClient(port);
                var got = new List<string>();
                void Call(params string[] command) => got.Add(raw.Call(command).Replace(file, "<file>"));
                Call("ACL", "LIST");
                Call("ACL", "SETUSER", "carl", "on", "%R~c*", "+get", "(~d* +set)");
                Call("ACL", "SAVE");
                got.Add(File.ReadAllText(file));
                Call("CONFIG", "SET", "aclfile", "/tmp/other.acl");
                foreach (var bad in new[]
                {
                    "user default on nopass ~* &* +@all\nuser dan on +bogus\n",
                    "user default on nopass ~* &* +@all\nbogus line\n",
                    "# a comment\nuser eve on\n",
                    "user eve on\nuser eve off\n",
                    // Not here: an unclosed selector (redis-server 7.0.15 answers OK) and unbalanced quotes (it crashes).
                })
                {
                    File.WriteAllText(file, bad);
                    Call("ACL", "LOAD");
                }
                Call("ACL", "LIST");
                File.WriteAllText(file, "\nuser eve on >x ~* +@all\n\n");
                Call("ACL", "LOAD");
                Call("ACL", "LIST"); // no default user in the file: a fresh one
                File.Delete(file);
                Call("ACL", "LOAD");
                Call("ACL", "SAVE");
                got.Add(File.ReadAllText(file));
                return got;
            }).ToArray();
            Assert.That(runs[1], Is.EqualTo(runs[0]));
            Assert.That(runs[0], Has.Some.Contains("Duplicate user 'eve' found on line 2"));
            // Where redis-server 7.0.15 fails (above), this server names each bad line and changes nothing.
            using var ours = new RawClient(server.Port);
            File.WriteAllText(ourFile, "user eve on (~a\nuser \"unbalanced\nuser fay on\n");
            Assert.That(ours.Call("ACL", "LOAD"), Is.EqualTo($"-ERR {ourFile}:1: Unmatched parenthesis in acl selector starting at '(~a'. {ourFile}:2: unbalanced quotes in acl line. " +
                "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"));
            Assert.That(ours.Call("ACL", "USERS"), Is.EqualTo("*[$default,$eve]"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(redisFile)!, true);
            Directory.Delete(Path.GetDirectoryName(ourFile)!, true);
        }
    }

    [Test]
    public async Task AclLoadClosesTheConnectionsOfReplacedUsersAndStartsRefuseBadFiles()
    {
        var dir = Directory.CreateTempSubdirectory("aclfile-clients").FullName;
        var file = Path.Combine(dir, "users.acl");
        try
        {
            File.WriteAllText(file, "user bob on >pw ~* +@all\n");
            await using (var server = await ServerInstance.StartAsync("--aclfile", file))
            {
                using var admin = new RawClient(server.Port);
                using var bob = new RawClient(server.Port);
                Assert.That(bob.Call("AUTH", "bob", "pw"), Is.EqualTo("+OK"));
                Assert.That(admin.Call("ACL", "LOAD"), Is.EqualTo("+OK"));
                Assert.That(bob.IsClosedByServer(), Is.True, "bob's user was replaced (as Redis does, even by an equal one)");
                Assert.That(admin.Call("PING"), Is.EqualTo("+PONG"), "the default user's connections stay");
                Assert.That(admin.Call("CONFIG", "GET", "aclfile"), Is.EqualTo($"*[$aclfile,${file}]"));
            }
            var missing = Path.Combine(dir, "missing.acl");
            var e = Assert.CatchAsync(() => ServerInstance.StartAsync("--aclfile", missing));
            Assert.That(e!.Message, Is.EqualTo($"Aborting Redis startup because of ACL errors: Error loading ACLs, opening file '{missing}': No such file or directory"));
            var conf = Path.Combine(dir, "redis.conf");
            File.WriteAllLines(conf, ["user alice on", $"aclfile {file}"]);
            int port = ServerInstance.FreePort();
            using var both = ServerProcess.Start(port, conf, "--dir", dir);
            Assert.That(both.WaitForExit(10_000), Is.True);
            Assert.That(both.Output, Does.Contain("users defined in redis.conf and at the same setting an ACL file path is invalid"));
        }
        finally { Directory.Delete(dir, true); }
    }

    private static string Sha256(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));
}
