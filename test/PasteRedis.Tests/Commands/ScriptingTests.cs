namespace PasteRedis.Tests.Commands;

/// <summary>
/// EVAL through StackExchange.Redis and raw sockets, what a script does to others (WATCH,
/// a script that will not end), and its writes in the log: logged as their effects in one
/// group, so a kill -9 gives back exactly what the script did (not a re-run of it), and a
/// torn group is dropped whole. Replies are compared with the real redis-server in
/// differential-corpus.txt.
/// </summary>
[TestFixture]
public class ScriptingTests : ServerFixture
{
    protected override bool UsesMultiplexer => true;

    [Test]
    public async Task StackExchangeRedisScriptsRunWithKeysAndArgumentsAndAreCached()
    {
        var db = Mux.GetDatabase();
        var key = "sc:" + Guid.NewGuid().ToString("N");
        var result = await db.ScriptEvaluateAsync("redis.call('set', KEYS[1], ARGV[1]); return {redis.call('get', KEYS[1]), #ARGV, 7}",
            [key], ["hello", "ignored"]);
        var items = (RedisResult[])result!;
        Assert.That(items.Select(i => i.ToString()), Is.EqualTo(new[] { "hello", "2", "7" }));

        // LuaScript: named parameters, sent by EVALSHA once loaded.
        var prepared = LuaScript.Prepare("return redis.call('incrby', @counter, @by)");
        Assert.That((long)(await db.ScriptEvaluateAsync(prepared, new { counter = (RedisKey)(key + ":n"), by = 5 })), Is.EqualTo(5));
        var server = Mux.GetServer(Server.EndPoint);
        var loaded = await prepared.LoadAsync(server);
        Assert.That((long)(await db.ScriptEvaluateAsync(loaded, new { counter = (RedisKey)(key + ":n"), by = 2 })), Is.EqualTo(7));
        Assert.That(await server.ScriptExistsAsync(loaded.Hash), Is.True);

        var error = Assert.ThrowsAsync<RedisServerException>(() => db.ScriptEvaluateAsync("return redis.call('incr', KEYS[1])", [key]));
        Assert.That(error!.Message, Does.StartWith("ERR value is not an integer or out of range script: "));

        using var raw = Server.Raw();
        Assert.That(raw.Call("INFO", "memory"), Does.Match(@"number_of_cached_scripts:[1-9]").And.Match(@"used_memory_lua:[1-9]"));
        await server.ScriptFlushAsync();
        Assert.That(await server.ScriptExistsAsync(loaded.Hash), Is.False);
        Assert.That(raw.Call("INFO", "memory"), Does.Contain("number_of_cached_scripts:0\r\n"));
        // StackExchange.Redis reloads a flushed script by itself (NOSCRIPT, then EVAL).
        Assert.That((long)(await db.ScriptEvaluateAsync(prepared, new { counter = (RedisKey)(key + ":n"), by = 1 })), Is.EqualTo(8));
    }

    /// <summary>
    /// Multi-line scripts (which the one-line corpus cannot hold) against the real
    /// redis-server: line numbers in errors, loops, local functions, pcall, conversions.
    /// </summary>
    [Test]
    public void MultiLineScriptsAnswerAsRedis()
    {
        string[][] commands =
        [
            ["DEL", "ml:list", "ml:h", "ml:s", "ml:z"],
            ["EVAL", "local n = 0\nfor i = 1, tonumber(ARGV[1]) do\n  n = n + redis.call('rpush', KEYS[1], i)\nend\nreturn n", "1", "ml:list", "10"],
            ["EVAL", "local function sum(t)\n  local s = 0\n  for _, v in ipairs(t) do s = s + tonumber(v) end\n  return s\nend\nreturn sum(redis.call('lrange', KEYS[1], 0, -1))", "1", "ml:list"],
            ["EVAL", "redis.call('set', KEYS[1], 'x')\nlocal r = redis.call('incr', KEYS[1])\nreturn r", "1", "ml:s"],
            ["EVAL", "local ok, err = pcall(function()\n  return redis.call('incr', KEYS[1])\nend)\nreturn {tostring(ok), err}", "1", "ml:s"],
            ["EVAL", "local r = redis.pcall('hset', KEYS[1], 'f')\nreturn r", "1", "ml:h"],
            ["EVAL", "\n\nlocal x = nosuch\nreturn x", "0"],
            ["EVAL", "local t = {}\nfor i = 1, 5 do t[#t + 1] = i * 1.5 end\nreturn t", "0"],
            ["EVAL", "local a = redis.call('zadd', KEYS[1], 1, 'a', 2, 'b')\nlocal r = redis.call('zrange', KEYS[1], 0, -1, 'WITHSCORES')\nreturn {a, r}", "1", "ml:z"],
            ["EVAL", "local m = redis.call('hgetall', KEYS[1])\nreturn #m", "1", "ml:h"],
            ["EVAL", "redis.call('hset', KEYS[1], 'a', 1, 'b', 2)\nlocal v = redis.call('hincrbyfloat', KEYS[1], 'a', '0.5')\nreturn {v, tonumber(v) * 2}", "1", "ml:h"],
            ["EVAL", "local s = ''\nfor w in string.gmatch(ARGV[1], '%a+') do\n  s = s .. w:upper() .. ','\nend\nreturn s", "0", "one two three"],
            ["EVAL", "local r = redis.call('get', KEYS[1])\nif r == false then return 'missing' end\nreturn r", "1", "ml:nokey"],
            ["EVAL", "local x = 1\nlocal y = x + {}\nreturn y", "0"],
            ["EVAL", "return cjson.encode(redis.call('lrange', KEYS[1], 0, 2))", "1", "ml:list"],
            ["EVAL", "local d = cjson.decode(ARGV[1])\nredis.call('hset', KEYS[1], 'name', d.name, 'n', d.n)\nreturn redis.call('hmget', KEYS[1], 'name', 'n')", "1", "ml:h", "{\"name\":\"x\",\"n\":3}"],
            ["EVAL", "local t = redis.call('time')\nreturn #t", "0"],
            ["EVAL", "redis.setresp(3)\nlocal m = redis.call('hgetall', KEYS[1])\nreturn m.map.name", "1", "ml:h"],
            // (a map returned whole comes out in each Lua's hash order)
            ["EVAL", "redis.setresp(3)\nreturn redis.call('hmget', KEYS[1], 'n', 'name')", "1", "ml:h"],
            ["EVAL", "redis.setresp(3)\nreturn {double = 1.5}", "0"],
            ["EVAL", "local e = redis.error_reply('MY code')\nreturn e", "0"],
            ["EVAL", "return redis.status_reply('done')", "0"],
        ];
        Assert.That(Tools.DifferencesFromRedis(Server.Port, commands), Is.Empty);
    }

    [Test]
    public void AScriptsWriteFailsTheExecOfAClientWatchingTheKey()
    {
        using var watcher = Server.Raw();
        using var scripter = Server.Raw();
        Assert.That(watcher.Call("WATCH", "sc:watched"), Is.EqualTo("+OK"));
        Assert.That(watcher.Call("MULTI"), Is.EqualTo("+OK"));
        Assert.That(watcher.Call("SET", "sc:watched", "mine"), Is.EqualTo("+QUEUED"));
        Assert.That(scripter.Call("EVAL", "return redis.call('set', KEYS[1], 'script')", "1", "sc:watched"), Is.EqualTo("+OK"));
        Assert.That(watcher.Call("EXEC"), Is.EqualTo("*nil"));
        Assert.That(watcher.Call("GET", "sc:watched"), Is.EqualTo("$script"));
    }

    /// <summary>Replies checked against redis-server 7.0.15 first.</summary>
    [Test]
    public void AShebangLineSetsFlagsAndKeepsLineNumbers()
    {
        using var raw = Server.Raw();
        Assert.That(raw.Call("EVAL", "#!lua\nreturn 1", "0"), Is.EqualTo(":1"));
        Assert.That(raw.Call("EVAL", "#!lua flags=no-writes,allow-oom\nreturn 2", "0"), Is.EqualTo(":2"));
        Assert.That(raw.Call("EVAL", "#!lua flags=no-writes\nlocal r = redis.call('set', 'sc:sb', 'b')\nreturn r", "0"),
            Does.StartWith("-ERR Write commands are not allowed from read-only scripts. script: ").And.EndWith(", on @user_script:2."));
        Assert.That(raw.Call("EVAL", "#!lua\nreturn redis.call('set', 'sc:sb', 'b')", "0"), Is.EqualTo("+OK"), "writes without no-writes");
        Assert.That(raw.Call("EVAL", "#!lua flags=bad\nreturn 1", "0"), Is.EqualTo("-ERR Unexpected flag in script shebang: bad"));
        Assert.That(raw.Call("EVAL", "#!python\nreturn 1", "0"), Is.EqualTo("-ERR Unexpected engine in script shebang: #!python"));
        Assert.That(raw.Call("EVAL", "#!lua name=x\nreturn 1", "0"), Is.EqualTo("-ERR Unknown lua shebang option: name=x"));
        Assert.That(raw.Call("EVAL", "#!lua\nreturn x", "0"),
            Is.EqualTo("-ERR user_script:2: Script attempted to access nonexistent global variable 'x' script: 58b72ca6d006e3bafbb8cc006de4820497ce9cf8, on @user_script:2."));
    }

    [Test]
    public void MonitorShowsTheScriptThenItsCommandsAsLuas()
    {
        using var monitor = Server.Raw();
        using var scripter = Server.Raw();
        Assert.That(monitor.Call("MONITOR"), Is.EqualTo("+OK"));
        Assert.That(scripter.Call("EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "sc:mon"), Is.EqualTo("+OK"));
        Assert.That(monitor.ReadReply(), Does.Match(@"^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] ""EVAL"" ""return redis.call\('set', KEYS\[1\], 'v'\)"" ""1"" ""sc:mon""$"));
        Assert.That(monitor.ReadReply(), Does.Match(@"^\+\d+\.\d{6} \[0 lua\] ""set"" ""sc:mon"" ""v""$"));
    }

    [Test]
    public void AScriptThatRunsPastTheThresholdIsStoppedUnlessItHasWritten()
    {
        using var admin = Server.Raw();
        Assert.That(admin.Call("CONFIG", "SET", "busy-reply-threshold", "200"), Is.EqualTo("+OK"));
        try
        {
            using var looper = Server.Raw();
            Assert.That(looper.Call("EVAL", "while true do end", "0"),
                Does.StartWith("-ERR Script killed after busy-reply-threshold (200 ms) without a write"));
            Assert.That(admin.Call("PING"), Is.EqualTo("+PONG"), "the server serves others again");
            Assert.That(looper.Call("EVAL", "return 1", "0"), Is.EqualTo(":1"), "and the same connection");
            // A script that has written runs to its end: stopping it would leave half its writes.
            var spin = "redis.call('set', KEYS[1], 'started'); local t = redis.call('time'); " +
                       "repeat local n = redis.call('time') until (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > 400000; " +
                       "redis.call('set', KEYS[1], 'finished'); return 'done'";
            Assert.That(looper.Call("EVAL", spin, "1", "sc:spin"), Is.EqualTo("$done"));
            Assert.That(admin.Call("GET", "sc:spin"), Is.EqualTo("$finished"));
            Assert.That(admin.Call("CONFIG", "GET", "lua-time-limit"), Is.EqualTo("*[$lua-time-limit,$200]"), "Redis's old name");
        }
        finally { admin.Call("CONFIG", "SET", "busy-reply-threshold", "5000"); }
    }
}

/// <summary>A script's writes in the log: effects, across kill -9 (a torn script: Aof/TransactionLogTests).</summary>
[TestFixture]
[Category("Crash")]
public class ScriptLogTests
{
    private const string RandomScript =
        "local m = redis.call('spop', KEYS[1]); redis.call('rpush', KEYS[2], m); " +
        "local t = redis.call('time'); redis.call('set', KEYS[3], t[1] .. '.' .. t[2], 'PX', ARGV[1]); " +
        "redis.call('hincrbyfloat', KEYS[4], 'f', 0.1); return m";

    /// <summary>
    /// Scripts whose effects depend on chance and the clock (SPOP, TIME, a relative expiry),
    /// some inside MULTI: after kill -9 the keyspace is exactly what it was. Replaying the
    /// scripts themselves would pop other members and read another time.
    /// </summary>
    [Test]
    public void AKillNineGivesBackWhatTheScriptsDidNotARerun()
    {
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        try
        {
            SortedDictionary<string, string> before;
            using (var server = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "8mb"))
            {
                Assert.That(server.HasExited, Is.False, server.Output);
                using var raw = new RawClient(port);
                raw.Call(["SADD", "pool", .. Enumerable.Range(0, 200).Select(i => "m" + i)]);
                for (int i = 0; i < 20; i++)
                {
                    var reply = raw.Call("EVAL", RandomScript, "4", "pool", "popped", "when:" + i, "h", "600000");
                    Assert.That(reply, Does.Match(@"^\$m\d+$"));
                }
                Assert.That(raw.Call("MULTI"), Is.EqualTo("+OK"));
                raw.Call("EVAL", RandomScript, "4", "pool", "popped", "when:tx", "h", "600000");
                raw.Call("SET", "after-script", "x");
                Assert.That(raw.Call("EXEC"), Does.Match(@"^\*\[\$m\d+,\+OK\]$"));
                before = KeyspaceDump.Take(raw);
                server.Signal("KILL");
                Assert.That(server.WaitForExit(10_000), Is.True);
            }
            using (var again = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "8mb"))
            {
                Assert.That(again.HasExited, Is.False, again.Output);
                using var raw = new RawClient(port);
                Assert.That(KeyspaceDump.Take(raw), Is.EqualTo(before));
                Assert.That(raw.Call("SCARD", "pool"), Is.EqualTo(":179"));
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}
