using System.Text.RegularExpressions;

namespace PasteRedis.Tests.Commands;

/// <summary>
/// MIGRATE from this server and from redis-server into the same redis-server target, step
/// by step: the replies, what the source keeps and what the target holds must be the same.
/// Then this server restarts from its log: the migrated keys stay gone (the log has their
/// DEL, not the MIGRATE, which a replay would run again) and the copied one stays.
/// </summary>
[TestFixture]
public class MigrateTests
{
    [Test]
    public async Task MigrateMovesKeysAsRedisDoesAndTheLogKeepsTheirDeletion()
    {
        using var target = new Tools.ReferenceRedis("migrate-target");
        using var redisSource = new Tools.ReferenceRedis("migrate-source");
        await using var server = await ServerInstance.StartAsync("--enable-debug-command", "local");
        int closedPort = ServerInstance.FreePort();

        string Run(int sourcePort)
        {
            using var src = new RawClient(sourcePort);
            using var dst = target.Raw();
            var log = new List<string>();
            void Step(string what, string reply) => log.Add($"{what}: {reply}");
            string Migrate(params string[] args) => src.Call(["MIGRATE", "127.0.0.1", target.Port.ToString(), .. args]);

            dst.Call("FLUSHALL");
            src.Call("RPUSH", "l", "a", "b", "c");
            src.Call("HSET", "h", "f", "v");
            src.Call("SET", "s", "hello", "PX", "100000");
            Step("keys", Migrate("", "0", "5000", "KEYS", "s", "l", "h", "nothere"));
            Step("left here", src.Call("EXISTS", "s", "l", "h"));
            Step("there", $"{dst.Call("LRANGE", "l", "0", "-1")} {dst.Call("HGETALL", "h")} {dst.Call("GET", "s")}");
            Step("ttl kept", Regex.IsMatch(dst.Call("PTTL", "s"), @"^:(9\d{4}|100000)$").ToString());
            src.Call("SET", "s", "again");
            Step("busy", Migrate("s", "0", "5000"));
            Step("kept after an error", src.Call("GET", "s"));
            Step("copy replace", Migrate("s", "0", "5000", "COPY", "REPLACE"));
            Step("copied", $"{src.Call("GET", "s")} {dst.Call("GET", "s")}");
            Step("other db", Migrate("s", "3", "5000", "REPLACE"));
            Step("moved to db 3", $"{src.Call("EXISTS", "s")} {dst.Call("SELECT", "3")} {dst.Call("GET", "s")}");
            Step("no key", Migrate("s", "0", "5000"));
            src.Call("SET", "k", "v");
            Step("keys with a key", Migrate("k", "0", "5000", "KEYS", "k"));
            Step("db out of range", Migrate("k", "99", "5000"));
            Step("auth refused", Migrate("k", "0", "5000", "AUTH", "nopass"));
            Step("auth2 refused", Migrate("k", "0", "5000", "AUTH2", "someone", "nopass"));
            Step("bad timeout", Migrate("k", "0", "soon"));
            Step("bad db", Migrate("k", "zero", "5000"));
            Step("bad option", Migrate("k", "0", "5000", "FAST"));
            Step("auth without password", Migrate("k", "0", "5000", "AUTH"));
            Step("nobody there", src.Call("MIGRATE", "127.0.0.1", closedPort.ToString(), "k", "0", "500"));
            Step("still here", src.Call("GET", "k"));
            Step("getkeys", string.Join(" ", new[]
            {
                src.Call("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "5"),
                src.Call("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5", "COPY", "AUTH2", "u", "p", "KEYS", "a", "b"),
                src.Call("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5", "AUTH", "keys", "KEYS", "c"),
                src.Call("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "5", "KEYS", "a"),
            }));
            return string.Join("\n", log);
        }

        var theirs = Run(redisSource.Port);
        var ours = Run(server.Port);
        TestContext.Out.WriteLine(theirs);
        Assert.That(theirs, Does.Contain("keys: +OK").And.Contain("left here: :0").And.Contain("busy: -ERR Target instance replied with error: BUSYKEY"),
            "redis-server migrates as expected");
        Assert.That(ours, Is.EqualTo(theirs));

        // A COPY that deletes nothing but finds a named key expired (active expiry off, so the
        // lookup expires it): the expiry is logged, the MIGRATE is not (its replay would copy again).
        using (var src = server.Raw())
        using (var dst = target.Raw())
        {
            Assert.That(src.Call("DEBUG", "SET-ACTIVE-EXPIRE", "0"), Is.EqualTo("+OK"));
            src.Call("SET", "gone", "x", "PX", "1");
            src.Call("SET", "b", "y");
            Thread.Sleep(20);
            Assert.That(src.Call("MIGRATE", "127.0.0.1", target.Port.ToString(), "", "0", "5000", "COPY", "KEYS", "gone", "b"), Is.EqualTo("+OK"));
            Assert.That(dst.Call("DEL", "b"), Is.EqualTo(":1"), "copied");
        }
        await server.RestartAsync();
        using var after = server.Raw();
        using var targetAfter = target.Raw();
        Assert.That($"{after.Call("EXISTS", "l", "h", "s", "gone")} {after.Call("GET", "k")} {after.Call("GET", "b")}", Is.EqualTo(":0 $v $y"),
            "after a restart from the log: the migrated keys stay gone, the one that failed to move stays");
        Assert.That(targetAfter.Call("EXISTS", "b"), Is.EqualTo(":0"), "the replay migrated nothing again");
    }
}
