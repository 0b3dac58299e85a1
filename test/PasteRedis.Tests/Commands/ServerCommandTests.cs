namespace PasteRedis.Tests.Commands;

[TestFixture]
public class ServerCommandTests : ServerFixture
{

    [Test]
    public void UnknownCommandAndArityErrorsAreRedisWordForWord()
    {
        using var raw = Server.Raw();
        Assert.That(raw.Call("FOO"), Is.EqualTo("-ERR unknown command 'FOO', with args beginning with: "));
        Assert.That(raw.Call("foo", "a", "b"), Is.EqualTo("-ERR unknown command 'foo', with args beginning with: 'a' 'b' "));
        Assert.That(raw.Call("GET"), Is.EqualTo("-ERR wrong number of arguments for 'get' command"));
        Assert.That(raw.Call("get", "a", "b"), Is.EqualTo("-ERR wrong number of arguments for 'get' command"));
        Assert.That(raw.Call("CONFIG", "GET"), Is.EqualTo("-ERR wrong number of arguments for 'config|get' command"));
        Assert.That(raw.Call("CONFIG"), Is.EqualTo("-ERR wrong number of arguments for 'config' command"));
        Assert.That(raw.Call("CONFIG", "BLAH"), Is.EqualTo("-ERR unknown subcommand 'BLAH'. Try CONFIG HELP."));
        Assert.That(raw.Call("gEt", "nope"), Is.EqualTo("$nil"), "names are case-insensitive");
        Assert.That(raw.Call("cOnFiG", "gEt", "hz"), Is.EqualTo("*[$hz,$10]"), "subcommands too");
        Assert.That(raw.Call("GETX", "a"), Is.EqualTo("-ERR unknown command 'GETX', with args beginning with: 'a' "), "a name one byte longer");
        Assert.That(raw.Call("GE", "a"), Is.EqualTo("-ERR unknown command 'GE', with args beginning with: 'a' "), "a prefix");
        Assert.That(raw.Call("g\u00e9t", "a"), Does.StartWith("-ERR unknown command"), "non-ASCII never matches");
        // Every command in the table is found by its upper-case name: queued inside MULTI
        // (found, nothing run), never "unknown command".
        var names = raw.Call("COMMAND", "LIST").TrimStart('*', '[').TrimEnd(']').Split(',').Select(n => n.TrimStart('$')).Where(n => !n.Contains('|')).ToList();
        Assert.That(names, Has.Count.GreaterThan(100));
        using var tx = Server.Raw();
        Assert.That(tx.Call("MULTI"), Is.EqualTo("+OK"));
        foreach (var name in names.Where(n => n is not ("multi" or "exec" or "discard" or "quit" or "reset")))
            Assert.That(tx.Call(name.ToUpperInvariant()), Does.Not.StartWith("-ERR unknown command"), name);
        Assert.That(tx.Call("DISCARD"), Is.EqualTo("+OK"));
    }

    [Test]
    public void InfoHasRedisSectionsAndFields()
    {
        using var raw = Server.Raw();
        raw.Call("SET", "info-key", "v");
        var info = raw.Call("INFO");
        foreach (var section in new[] { "# Server", "# Clients", "# Memory", "# Persistence", "# Stats", "# Replication", "# Keyspace" })
            Assert.That(info, Does.Contain(section));
        foreach (var field in new[] { "redis_version:7.0.15", "tcp_port:" + Server.Port, "connected_clients:", "used_memory:", "total_commands_processed:", "role:master", "db0:keys=" })
            Assert.That(info, Does.Contain(field));
        var onlyClients = raw.Call("INFO", "clients");
        Assert.That(onlyClients, Does.Contain("# Clients").And.Not.Contain("# Server"));
        var two = raw.Call("INFO", "server", "keyspace");
        Assert.That(two, Does.Contain("# Server").And.Contain("# Keyspace").And.Not.Contain("# Stats"));
    }

    [Test]
    public void ConfigGetSetResetStat()
    {
        using var raw = Server.Raw();
        Assert.That(raw.Call("CONFIG", "GET", "maxmemory-policy"), Is.EqualTo("*[$maxmemory-policy,$noeviction]"));
        Assert.That(raw.Call("CONFIG", "GET", "save"), Is.EqualTo("*[$save,$]"));
        Assert.That(raw.Call("CONFIG", "GET", "slave-read-only"), Is.EqualTo("*[$slave-read-only,$yes]"));
        Assert.That(raw.Call("CONFIG", "GET", "nothing-like-this"), Is.EqualTo("*[]"));
        var many = raw.Call("CONFIG", "GET", "max*");
        Assert.That(many, Does.Contain("$maxclients").And.Contain("$maxmemory,"));
        Assert.That(raw.Call("CONFIG", "SET", "maxmemory", "100mb", "timeout", "300"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("CONFIG", "GET", "maxmemory"), Is.EqualTo("*[$maxmemory,$104857600]"));
        Assert.That(raw.Call("CONFIG", "SET", "maxmemory", "lots"), Is.EqualTo("-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"));
        Assert.That(raw.Call("CONFIG", "SET", "timeout", "0", "maxmemory-policy", "bogus"), Does.StartWith("-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy')"));
        Assert.That(raw.Call("CONFIG", "GET", "timeout"), Is.EqualTo("*[$timeout,$300]"), "a failed CONFIG SET changes nothing");
        Assert.That(raw.Call("CONFIG", "SET", "databases", "4"), Is.EqualTo("-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"));
        Assert.That(raw.Call("CONFIG", "SET", "no-such-thing", "1"), Is.EqualTo("-ERR Unknown option or number of arguments for CONFIG SET - 'no-such-thing'"));
        raw.Call("CONFIG", "SET", "maxmemory", "0", "timeout", "0");
        Assert.That(raw.Call("CONFIG", "RESETSTAT"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("INFO", "stats"), Does.Contain("total_commands_processed:1\r\n"), "only INFO itself counted after RESETSTAT");
    }

    [Test]
    public void CommandIntrospectionComesFromTheTable()
    {
        using var raw = Server.Raw();
        var count = long.Parse(raw.Call("COMMAND", "COUNT")[1..]);
        Assert.That(count, Is.GreaterThan(50));
        var list = raw.Call("COMMAND", "LIST");
        // COUNT counts commands; LIST names their subcommands too ("config|get"), as in Redis 7.
        Assert.That(list.Split(',').Count(n => !n.Contains('|')), Is.EqualTo(count));
        Assert.That(list, Does.Contain("$config|get"));
        var info = raw.Call("COMMAND", "INFO", "get", "mset", "nosuch");
        Assert.That(info, Does.StartWith("*[*[$get,:2,*[+readonly,+fast],:1,:1,:1,"));
        Assert.That(info, Does.Contain("*[$mset,:-3,*[+write,+denyoom],:1,:-1,:2,"));
        Assert.That(info, Does.EndWith("$nil]"));
        var docs = raw.Call("COMMAND", "DOCS", "set");
        Assert.That(docs, Does.Contain("$summary").And.Contain("$group,$string"));
        var all = raw.Call("COMMAND");
        Assert.That(all, Does.Contain("$config|get"));
    }

    [Test]
    public void TimeLastSaveDbSize()
    {
        using var raw = Server.Raw();
        var time = raw.Call("TIME");
        var parts = time.Trim('*', '[', ']').Split(',');
        long seconds = long.Parse(parts[0][1..]);
        Assert.That(seconds, Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).Within(2));
        Assert.That(long.Parse(parts[1][1..]), Is.InRange(0, 999_999));
        var lastSave = long.Parse(raw.Call("LASTSAVE")[1..]);
        Assert.That(lastSave, Is.LessThanOrEqualTo(seconds));
        raw.Call("SELECT", "9");
        raw.Call("FLUSHDB");
        raw.Call("SET", "a", "1");
        raw.Call("SET", "b", "1");
        Assert.That(raw.Call("DBSIZE"), Is.EqualTo(":2"));
        Assert.That(raw.Call("FLUSHDB", "ASYNC"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("DBSIZE"), Is.EqualTo(":0"));
        Assert.That(raw.Call("FLUSHDB", "LATER"), Is.EqualTo("-ERR syntax error"));
    }

    [Test]
    public void RoleIsMaster()
    {
        using var raw = Server.Raw();
        Assert.That(raw.Call("ROLE"), Is.EqualTo("*[$master,:0,*[]]"));
    }
}

/// <summary>Stopping the server: SHUTDOWN and SIGTERM on a real process.</summary>
[TestFixture]
public class ShutdownTests
{
    /// <summary>SIGHUP is ignored, as Redis ignores it (a closed terminal does not end the server).</summary>
    [Test]
    public void SighupIsIgnored()
    {
        int port = ServerInstance.FreePort();
        var dir = Directory.CreateTempSubdirectory("pasteredis-sighup").FullName;
        try
        {
            using var server = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "8mb");
            server.Signal("HUP");
            Thread.Sleep(500);
            Assert.That(server.HasExited, Is.False, server.Output);
            using var raw = new RawClient(port);
            Assert.That(raw.Call("PING"), Is.EqualTo("+PONG"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestCase("SHUTDOWN")]
    [TestCase("SHUTDOWN NOSAVE")]
    [TestCase("SIGTERM")]
    [TestCase("SIGINT")]
    public void StopsGracefully(string how)
    {
        if (how == "SIGINT" && InheritedIgnore(2))
            Assert.Ignore("SIGINT is ignored by this test run (started in the background by a shell), and the server inherits that");
        int port = ServerInstance.FreePort();
        var dir = Directory.CreateTempSubdirectory("pasteredis-shutdown").FullName;
        try
        {
            using var server = ServerProcess.Start(port, "--dir", dir);
            Assert.That(server.HasExited, Is.False, server.Output);
            using var raw = new RawClient(port);
            Assert.That(raw.Call("SET", "k", "v"), Is.EqualTo("+OK"));
            if (how.StartsWith("SIG")) server.Signal(how[3..]);
            else
            {
                raw.Send(RawClient.Command(how.Split(' ')));
                Assert.That(raw.IsClosedByServer(), Is.True, "SHUTDOWN sends no reply; the connection closes");
            }
            Assert.That(server.WaitForExit(15000), Is.True, () => "server exited; its output:\n" + server.Output);
            Assert.That(server.ExitCode, Is.EqualTo(0), server.Output);
            Assert.That(server.Output, Does.Contain("ready to exit"));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// shutdown-on-sigterm save: SIGTERM saves the final RDB file, then exits; when the save
    /// fails (dump.rdb is a directory) the server keeps running, as Redis does, until "save
    /// force" lets it exit anyway. Logged in Redis's words.
    /// </summary>
    [Test]
    public void ShutdownOnSigtermSavesAndAFailedSaveKeepsTheServerRunning()
    {
        int port = ServerInstance.FreePort();
        var dir = Directory.CreateTempSubdirectory("pasteredis-sigterm").FullName;
        try
        {
            using (var server = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "8mb", "--shutdown-on-sigterm", "save"))
            {
                using (var raw = new RawClient(port)) Assert.That(raw.Call("SET", "k", "v"), Is.EqualTo("+OK"));
                server.Signal("TERM");
                Assert.That(server.WaitForExit(15000), Is.True, server.Output);
                Assert.That(server.ExitCode, Is.EqualTo(0), server.Output);
                Assert.That(server.Output, Does.Contain("Received SIGTERM scheduling shutdown...").And.Contain("Saving the final RDB snapshot before exiting."));
            }
            Assert.That(File.Exists(Path.Combine(dir, "dump.rdb")), Is.True, "the final snapshot");

            File.Delete(Path.Combine(dir, "dump.rdb"));
            Directory.CreateDirectory(Path.Combine(dir, "dump.rdb")); // the file cannot take its name
            port = ServerInstance.FreePort();
            using (var server = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "8mb", "--shutdown-on-sigterm", "save"))
            {
                using var raw = new RawClient(port);
                Assert.That(raw.Call("SET", "k", "w"), Is.EqualTo("+OK"));
                server.Signal("TERM");
                var deadline = DateTime.UtcNow.AddSeconds(15);
                while (!server.Output.Contains("Errors trying to shut down the server") && DateTime.UtcNow < deadline) Thread.Sleep(50);
                Assert.That(server.Output, Does.Contain("Error trying to save the DB, can't exit."));
                Assert.That(server.HasExited, Is.False);
                Assert.That(raw.Call("GET", "k"), Is.EqualTo("$w"), "still serving");
                Assert.That(raw.Call("CONFIG", "SET", "shutdown-on-sigterm", "force save"), Is.EqualTo("+OK"));
                Assert.That(raw.Call("CONFIG", "GET", "shutdown-on-sigterm"), Is.EqualTo("*[$shutdown-on-sigterm,$save force]"));
                server.Signal("TERM");
                Assert.That(server.WaitForExit(15000), Is.True, server.Output);
                Assert.That(server.Output, Does.Contain("Error trying to save the DB. Exit anyway."));
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>With save points, SHUTDOWN saves the final RDB file (as Redis's); NOSAVE does not; a failed save is SHUTDOWN's error unless FORCE.</summary>
    [Test]
    public void ShutdownSavesWhenThereAreSavePoints()
    {
        foreach (var args in new[] { "", "NOSAVE", "FAIL", "FAIL FORCE" })
        {
            int port = ServerInstance.FreePort();
            var dir = Directory.CreateTempSubdirectory("pasteredis-shutdown-save").FullName;
            try
            {
                bool fail = args.StartsWith("FAIL");
                if (fail) Directory.CreateDirectory(Path.Combine(dir, "dump.rdb"));
                using var server = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "8mb", "--save", "3600 1");
                using var raw = new RawClient(port);
                Assert.That(raw.Call("SET", "k", "v"), Is.EqualTo("+OK"));
                var command = new[] { "SHUTDOWN" }.Concat(args.Replace("FAIL", "").Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
                if (args == "FAIL")
                {
                    Assert.That(raw.Call(command), Is.EqualTo("-ERR Errors trying to SHUTDOWN. Check logs."));
                    Assert.That(raw.Call("PING"), Is.EqualTo("+PONG"), "still running");
                    continue;
                }
                raw.Send(RawClient.Command(command));
                Assert.That(server.WaitForExit(15000), Is.True, server.Output);
                if (!fail) Assert.That(File.Exists(Path.Combine(dir, "dump.rdb")), Is.EqualTo(args != "NOSAVE"), args);
            }
            finally { Directory.Delete(dir, true); }
        }
    }

    /// <summary>
    /// shutdown-timeout: SHUTDOWN first waits for the replicas to acknowledge everything
    /// streamed to them, with writes paused (reads go on) and the SHUTDOWN client blocked;
    /// SHUTDOWN ABORT calls it off (the blocked client gets Redis's error, the paused write
    /// runs); a replica stopped by SIGSTOP never catches up, so after the timeout the server
    /// exits anyway, logging it as lagging; one that keeps up lets it exit at once with the
    /// last write.
    /// </summary>
    [Test]
    public void ShutdownWaitsForLaggingReplicasUntilTheTimeout()
    {
        int port = ServerInstance.FreePort();
        var dir = Directory.CreateTempSubdirectory("pasteredis-shutdown-replicas").FullName;
        try
        {
            using var server = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "8mb", "--shutdown-timeout", "3");
            using var replica = new Tools.ReferenceRedis("replica-shutdown", "--replicaof", "127.0.0.1", port.ToString());
            using var theirs = new RawClient(replica.Port);
            Tools.WaitFor(() => theirs.Call("INFO", "replication").Contains("master_link_status:up"), "the replica's link is up");
            using var a = new RawClient(port);
            using var b = new RawClient(port);
            using var admin = new RawClient(port);
            Assert.That(a.Call("SET", "k", "v"), Is.EqualTo("+OK"));
            Assert.That(a.Call("WAIT", "1", "5000"), Is.EqualTo(":1"));
            Tools.Run("kill", "-STOP", replica.Pid.ToString());
            try
            {
                Assert.That(a.Call("SET", "k2", "v2"), Is.EqualTo("+OK"));
                a.Send(RawClient.Command("SHUTDOWN"));
                b.Send(RawClient.Command("SET", "x", "y"));
                Thread.Sleep(500);
                Assert.That(server.HasExited, Is.False);
                Assert.That(a.Available, Is.EqualTo(0), "SHUTDOWN waits for the replica");
                Assert.That(b.Available, Is.EqualTo(0), "writes are paused meanwhile");
                Assert.That(admin.Call("GET", "k"), Is.EqualTo("$v"), "reads go on");
                Assert.That(admin.Call("SHUTDOWN", "ABORT"), Is.EqualTo("+OK"));
                Assert.That(a.ReadReply(), Is.EqualTo("-ERR Errors trying to SHUTDOWN. Check logs."));
                Assert.That(b.ReadReply(), Is.EqualTo("+OK"), "the paused write ran");
                Assert.That(admin.Call("SHUTDOWN", "ABORT"), Is.EqualTo("-ERR No shutdown in progress."));

                var started = DateTime.UtcNow;
                a.Send(RawClient.Command("SHUTDOWN"));
                Assert.That(server.WaitForExit(20_000), Is.True, server.Output);
                Assert.That(DateTime.UtcNow - started, Is.GreaterThan(TimeSpan.FromSeconds(2.5)), "it waited for the timeout");
                Assert.That(server.Output, Does.Contain("Waiting for replicas before shutting down.")
                    .And.Contain("Lagging replica 127.0.0.1:").And.Contain("0 of 1 replicas are in sync when shutting down."));
            }
            finally { Tools.Run("kill", "-CONT", replica.Pid.ToString()); }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void ShutdownLetsAReplicaThatKeepsUpHaveTheLastWrite()
    {
        int port = ServerInstance.FreePort();
        var dir = Directory.CreateTempSubdirectory("pasteredis-shutdown-insync").FullName;
        try
        {
            using var server = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "8mb");
            using var replica = new Tools.ReferenceRedis("replica-insync", "--replicaof", "127.0.0.1", port.ToString());
            using var theirs = new RawClient(replica.Port);
            Tools.WaitFor(() => theirs.Call("INFO", "replication").Contains("master_link_status:up"), "the replica's link is up");
            using var raw = new RawClient(port);
            var value = new string('v', 100_000);
            for (int i = 0; i < 20; i++) Assert.That(raw.Call("SET", $"k{i}", value), Is.EqualTo("+OK"));
            raw.Send(RawClient.Command("SHUTDOWN"));
            Assert.That(server.WaitForExit(15_000), Is.True, server.Output);
            Assert.That(server.Output, Does.Contain("1 of 1 replicas are in sync when shutting down."));
            Assert.That(theirs.Call("STRLEN", "k19"), Is.EqualTo(":100000"), "the replica has the last write");
        }
        finally { Directory.Delete(dir, true); }
    }


    /// <summary>Whether this process ignores <paramref name="signal"/> (SigIgn in /proc/self/status): a child started from it does too.</summary>
    private static bool InheritedIgnore(int signal)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:"));
        return line != null && ((Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) >> (signal - 1)) & 1) == 1;
    }

    [Test]
    public void BadConfigurationRefusesToStartNamingTheLine()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "port 1234\n# comment\nbogus-directive yes\n");
            using var server = ServerProcess.Start(ServerInstance.FreePort(), file);
            Assert.That(server.WaitForExit(15000), Is.True);
            Assert.That(server.ExitCode, Is.Not.EqualTo(0));
            Assert.That(server.Output, Does.Contain("line 3").And.Contain("bogus-directive yes").And.Contain("Bad directive"));
        }
        finally { File.Delete(file); }
    }
}

/// <summary>
/// The server process runs commands on its event threads, as many as io-threads: its own
/// epoll loops (the default), or the runtime's socket event threads (event-loop runtime).
/// </summary>
[TestFixture]
public class EventLoopTests
{
    [TestCase(null, null, "epoll", "1")]
    [TestCase("2", null, "epoll", "2")]
    [TestCase(null, "runtime", "inline", "1")]
    [TestCase("2", "runtime", "inline", "2")]
    public void ServerProcessRunsCommandsOnItsEventThreads(string? ioThreads, string? loop, string expectedLoop, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("pasteredis-loop").FullName;
        try
        {
            var args = new List<string> { "--dir", dir };
            if (ioThreads != null) args.AddRange(["--io-threads", ioThreads]);
            args.AddRange(["--event-loop", loop ?? "epoll"]);
            using var server = ServerProcess.Start(ServerInstance.FreePort(), args.ToArray());
            using var raw = new RawClient(server.Port);
            var info = raw.Call("INFO", "server");
            Assert.That(info, Does.Contain($"event_loop:{expectedLoop}\r\n").And.Contain($"io_threads:{expected}\r\n")
                .And.Contain("multiplexing_api:epoll\r\n"), info);
            Assert.That(raw.Call("CONFIG", "GET", "io-threads"), Is.EqualTo($"*[$io-threads,${expected}]"));
            Assert.That(raw.Call("CONFIG", "SET", "io-threads", "3"), Does.StartWith("-ERR CONFIG SET failed (possibly related to argument 'io-threads')"));
            Assert.That(raw.Call("CONFIG", "SET", "event-loop", "runtime"), Does.StartWith("-ERR CONFIG SET failed (possibly related to argument 'event-loop')"));
            // Commands that wait (a blocked pop served by another connection) work on the event thread.
            using var other = new RawClient(server.Port);
            raw.Send(RawClient.Command("BLPOP", "q", "5"));
            Thread.Sleep(200);
            Assert.That(other.Call("RPUSH", "q", "x"), Is.EqualTo(":1"));
            Assert.That(raw.ReadReply(), Is.EqualTo("*[$q,$x]"));
        }
        finally { Directory.Delete(dir, true); }
    }
}


[TestFixture]
public class MonitorTests : ServerFixture
{
    [Test]
    public void MonitorSeesOtherConnectionsCommandsQuotedAsRedisDoes()
    {
        using var monitor = Server.Raw();
        using var client = Server.Raw();
        Assert.That(monitor.Call("MONITOR"), Is.EqualTo("+OK"));
        client.Call("SELECT", "3");
        client.Call("set", "a b", "x\ny\"\u0001");
        client.Call("AUTH", "secret");
        client.Call("GET", "a b");
        var port = ((System.Net.IPEndPoint)client.LocalEndPoint!).Port;
        Assert.That(monitor.ReadReply(), Does.Match($@"^\+\d+\.\d{{6}} \[3 127\.0\.0\.1:{port}\] ""SELECT"" ""3""$"), "shown after it ran, as Redis 7 does: in its new database");
        Assert.That(monitor.ReadReply(), Does.Match($@"^\+\d+\.\d{{6}} \[3 127\.0\.0\.1:{port}\] ""set"" ""a b"" ""x\\ny\\""\\x01""$"));
        Assert.That(monitor.ReadReply(), Does.EndWith(@"""GET"" ""a b"""), "AUTH (a password) is not shown");
        Assert.That(monitor.Call("RESET"), Is.EqualTo("+RESET"));
        client.Call("GET", "a b");
        Thread.Sleep(150);
        Assert.That(monitor.Available, Is.Zero, "RESET left MONITOR mode");
    }
}
