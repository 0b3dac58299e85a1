namespace PasteRedis.Tests.Commands;

/// <summary>
/// Redis 7 functions: FUNCTION LOAD/LIST/DELETE/FLUSH/STATS/DUMP/RESTORE and FCALL against
/// the real redis-server (RESP2 and RESP3; DUMP's bytes differ, as Redis compresses the
/// code with LZF, so payloads are restored across the two servers instead), and
/// libraries as data: replayed after kill -9, kept by a compaction.
/// </summary>
[TestFixture]
public class FunctionTests : ServerFixture
{
    private const string Library =
        "#!lua name=mylib\n" +
        "redis.register_function('myfunc', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n" +
        "redis.register_function{function_name='ro', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}";

    private const string OneFunction =
        "#!lua name=mylib\n" +
        "redis.register_function{function_name='ro', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes', 'allow-oom'}, description='reads'}";

    [Test]
    public void FunctionsAnswerAsRedis()
    {
        string[][] commands =
        [
            ["FUNCTION", "FLUSH"],
            ["FUNCTION", "LOAD", Library],
            ["FUNCTION", "LOAD", Library],
            ["FUNCTION", "LOAD", "REPLACE", Library],
            ["FUNCTION", "LOAD", "NOPE", Library],
            ["FCALL", "myfunc", "1", "fk", "v1"],
            ["FCALL", "ro", "1", "fk"],
            ["FCALL_RO", "ro", "1", "fk"],
            ["FCALL_RO", "myfunc", "1", "fk", "v"],
            ["FCALL", "nosuch", "0"],
            ["FCALL", "myfunc", "x"],
            ["FCALL", "myfunc", "-1"],
            ["FCALL", "myfunc", "5", "a"],
            // A library's functions are listed in hash order: one function when listing.
            ["FUNCTION", "LOAD", "REPLACE", OneFunction],
            ["FCALL", "myfunc", "1", "fk", "v"],
            ["FUNCTION", "LIST"],
            ["FUNCTION", "LIST", "WITHCODE"],
            ["FUNCTION", "LIST", "LIBRARYNAME", "my*"],
            ["FUNCTION", "LIST", "LIBRARYNAME", "x*"],
            ["FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "mylib"],
            ["FUNCTION", "LIST", "BAD"],
            ["FUNCTION", "LIST", "LIBRARYNAME"],
            ["FUNCTION", "STATS"],
            ["FUNCTION", "LOAD", "return 1"],
            ["FUNCTION", "LOAD", "#!lua\nreturn 1"],
            ["FUNCTION", "LOAD", "#!lua name=b-c\nreturn 1"],
            ["FUNCTION", "LOAD", "#!lua name=x name=y\nreturn 1"],
            ["FUNCTION", "LOAD", "#!lua name=x other=y\nreturn 1"],
            ["FUNCTION", "LOAD", "#!js name=x\nreturn 1"],
            ["FUNCTION", "LOAD", "#!lua name=other\nreturn 1"],
            ["FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('myfunc', function() return 1 end)"],
            ["FUNCTION", "LOAD", "#!lua name=other\nredis.call('set','a','b')"],
            ["FUNCTION", "LOAD", "#!lua name=other\nx = 1"],
            ["FUNCTION", "LOAD", "#!lua name=other\nreturn +"],
            ["FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('f2', function() return nosuch end)"],
            ["FCALL", "f2", "0"],
            ["FUNCTION", "LOAD", "#!lua name=other2\nredis.register_function('f3', function() return redis.call('incr', 'fk') end)"],
            ["FCALL", "f3", "0"],
            ["FUNCTION", "LOAD", "#!lua name=other3\nredis.register_function('f4', function() error('boom') end)"],
            ["FCALL", "f4", "0"],
            ["FUNCTION", "LOAD", "#!lua name=bad2\nredis.register_function('ok', 5)"],
            ["FUNCTION", "LOAD", "#!lua name=bad3\nredis.register_function{function_name='z', callback=function() end, flags={'nope'}}"],
            ["FUNCTION", "LOAD", "#!lua name=bad4\nredis.register_function{function_name='z', callback=function() end, extra=1}"],
            ["FUNCTION", "LOAD", "#!lua name=bad6\nredis.register_function('a', function() end)\nredis.register_function('a', function() end)"],
            ["FUNCTION", "LOAD", "#!lua name=bad7\nredis.register_function('a-b', function() end)"],
            ["FUNCTION", "LOAD", "#!lua name=bad8\nredis.register_function()"],
            ["FUNCTION", "LOAD", "#!lua name=bad9\nredis.register_function{callback=function() end}"],
            ["FUNCTION", "LOAD", "#!lua name=ver\nlocal a = redis.REDIS_VERSION; redis.log(redis.LOG_NOTICE, 'x'); redis.register_function('v', function() return a end)"],
            ["FCALL", "v", "0"],
            ["FUNCTION", "DELETE", "nosuch"],
            ["FUNCTION", "DELETE", "ver"],
            ["FCALL", "v", "0"],
            ["FUNCTION", "KILL"],
            ["FUNCTION", "STATS"],
            ["FUNCTION", "FLUSH", "BAD"],
            ["FUNCTION", "LOAD", "#!lua name=ft\nredis.register_function('ft', function(keys, args) return {#keys, #args, keys[1], args[1]} end)"],
            ["FCALL", "ft", "1", "a", "b", "c"],
            ["FUNCTION", "LOAD", "#!lua name=glob\nlocal function helper() return 7 end\nredis.register_function('g', function() return helper() + tonumber(redis.call('dbsize')) * 0 end)"],
            ["FCALL", "g", "0"],
            ["FUNCTION", "LOAD", "#!lua name=js\nredis.register_function('js', function(keys, args)\n  local t = cjson.decode(args[1])\n  return cjson.encode({n = t.n + 1})\nend)"],
            ["FCALL", "js", "0", "{\"n\":1}"],
            ["FUNCTION", "RESTORE", "bad payload"],
            ["FUNCTION", "DELETE", "ft"],
            ["FUNCTION", "DELETE", "glob"],
            ["FUNCTION", "DELETE", "js"],
            ["FUNCTION", "DELETE", "other"],
            ["FUNCTION", "DELETE", "other2"],
            ["FUNCTION", "DELETE", "other3"],
            ["FUNCTION", "FLUSH", "ASYNC"],
            ["FUNCTION", "LIST"],
            ["FUNCTION", "DUMP"],
        ];
        Assert.That(Tools.DifferencesFromRedis(Server.Port, commands), Is.Empty);
    }

    /// <summary>A payload of either server restores into the other, under each policy.</summary>
    [Test]
    public void DumpedLibrariesRestoreAcrossTheTwoServers()
    {
        using var redis = new Tools.ReferenceRedis("functions-dump");
        int port = redis.Port;
        using var real = new RawClient(port) { BulkEncoding = System.Text.Encoding.Latin1 };
        using var ours = new RawClient(Server.Port) { BulkEncoding = System.Text.Encoding.Latin1 };
        foreach (var (from, to) in new[] { (real, ours), (ours, real) })
        {
            Assert.That(from.Call("FUNCTION", "FLUSH"), Is.EqualTo("+OK"));
            Assert.That(to.Call("FUNCTION", "FLUSH"), Is.EqualTo("+OK"));
            Assert.That(from.Call("FUNCTION", "LOAD", Library), Is.EqualTo("$mylib"));
            var payload = from.Call("FUNCTION", "DUMP")[1..];
            Assert.That(to.CallLatin1("FUNCTION", "RESTORE", payload), Is.EqualTo("+OK"));
            Assert.That(to.CallLatin1("FUNCTION", "RESTORE", payload), Is.EqualTo("-ERR Library mylib already exists"), "APPEND refuses a collision");
            Assert.That(to.CallLatin1("FUNCTION", "RESTORE", payload, "REPLACE"), Is.EqualTo("+OK"));
            Assert.That(to.CallLatin1("FUNCTION", "RESTORE", payload, "FLUSH"), Is.EqualTo("+OK"));
            Assert.That(to.CallLatin1("FUNCTION", "RESTORE", payload, "NOPE"), Does.StartWith("-ERR Wrong restore policy given"));
            Assert.That(to.Call("FCALL", "myfunc", "1", "dumped", "yes"), Is.EqualTo("+OK"));
            Assert.That(to.Call("FCALL_RO", "ro", "1", "dumped"), Is.EqualTo("$yes"));
            Assert.That(to.Call("FUNCTION", "LIST", "WITHCODE"), Does.Contain("$name,$myfunc,").And.Contain("$name,$ro,").And.Contain("$library_code,$" + Library + "]"));
        }
    }
}

/// <summary>Libraries are data: replayed after kill -9, written first by a compaction; FCALL's writes logged as effects.</summary>
[TestFixture]
[Category("Crash")]
public class FunctionLogTests
{
    [Test]
    public void LibrariesSurviveKillNineAndCompaction()
    {
        const string pops = "#!lua name=pops\nredis.register_function('pop_to', function(keys) local m = redis.call('spop', keys[1]); redis.call('rpush', keys[2], m); return m end)";
        const string gone = "#!lua name=gone\nredis.register_function('gone', function() return 1 end)";
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        try
        {
            SortedDictionary<string, string> before;
            string libraries;
            using (var server = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "8mb"))
            {
                Assert.That(server.HasExited, Is.False, server.Output);
                using var raw = new RawClient(port);
                raw.Call(["SADD", "pool", .. Enumerable.Range(0, 50).Select(i => "m" + i)]);
                Assert.That(raw.Call("FUNCTION", "LOAD", pops), Is.EqualTo("$pops"));
                Assert.That(raw.Call("FUNCTION", "LOAD", gone), Is.EqualTo("$gone"));
                for (int i = 0; i < 10; i++) Assert.That(raw.Call("FCALL", "pop_to", "2", "pool", "popped"), Does.Match(@"^\$m\d+$"));
                Assert.That(raw.Call("FUNCTION", "DELETE", "gone"), Is.EqualTo("+OK"));
                before = KeyspaceDump.Take(raw);
                libraries = raw.Call("FUNCTION", "LIST", "WITHCODE");
                server.Signal("KILL");
                Assert.That(server.WaitForExit(10_000), Is.True);
            }
            using (var again = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "8mb"))
            {
                Assert.That(again.HasExited, Is.False, again.Output);
                using var raw = new RawClient(port);
                Assert.That(KeyspaceDump.Take(raw), Is.EqualTo(before), "FCALL's pops replay as they ran");
                Assert.That(raw.Call("FUNCTION", "LIST", "WITHCODE"), Is.EqualTo(libraries), "the libraries are back, the deleted one is not");
                Compaction.Run(raw);
                Assert.That(raw.Call("FCALL", "pop_to", "2", "pool", "popped"), Does.Match(@"^\$m\d+$"));
                before = KeyspaceDump.Take(raw);
                again.Signal("KILL");
                Assert.That(again.WaitForExit(10_000), Is.True);
            }
            using (var third = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "8mb"))
            {
                Assert.That(third.HasExited, Is.False, third.Output);
                using var raw = new RawClient(port);
                Assert.That(raw.Call("FUNCTION", "LIST", "WITHCODE"), Is.EqualTo(libraries), "a compacted log starts with the libraries");
                Assert.That(KeyspaceDump.Take(raw), Is.EqualTo(before));
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}
