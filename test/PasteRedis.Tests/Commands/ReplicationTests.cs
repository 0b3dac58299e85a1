namespace PasteRedis.Tests.Commands;

/// <summary>
/// The master side of replication, tested with the real thing: a redis-server started with
/// replicaof this server gets the data by a full resynchronization, then every write as it
/// happens (transactions, scripts, absolute forms, expirations, several databases), and
/// ends with the same data (DEBUG DIGEST, which both compute alike). WAIT counts its
/// acknowledgements; INFO and ROLE list it.
/// </summary>
[TestFixture]
public class ReplicationTests
{
    [Test]
    public async Task RedisServerReplicatesThisServer()
    {
        await using var server = await ServerInstance.StartAsync("--enable-debug-command", "local");
        using var writer = new RawClient(server.Port);
        // Before the replica: what the snapshot carries.
        foreach (var command in new string[][]
        {
            ["SET", "s", "v"], ["HSET", "h", "f1", "a", "f2", "b"], ["RPUSH", "l", "1", "2", "3"], ["SADD", "set", "x", "y"],
            ["ZADD", "z", "1", "m1", "2.5", "m2"], ["XADD", "st", "1-1", "f", "v"], ["SET", "ttl", "v", "EX", "1000"],
            ["SELECT", "3"], ["SET", "in3", "three"], ["SELECT", "0"],
        })
            Assert.That(writer.Call(command), Does.Not.StartWith("-"), string.Join(' ', command));

        using var replica = new Tools.ReferenceRedis("replica", "--replicaof", "127.0.0.1", server.Port.ToString(), "--enable-debug-command", "local");
        using var theirs = new RawClient(replica.Port);
        Tools.WaitFor(() => theirs.Call("INFO", "replication").Contains("master_link_status:up"), "the replica's link is up");
        Assert.That(theirs.Call("GET", "s"), Is.EqualTo("$v"));

        // After: the stream, including what must go in absolute form and what only the server does.
        foreach (var command in new string[][]
        {
            ["INCRBYFLOAT", "f", "1.5"], ["EXPIRE", "s", "500"], ["SPOP", "set"], ["LPOP", "l"],
            ["MULTI"], ["INCR", "counter"], ["HDEL", "h", "f1"], ["EXEC"],
            ["EVAL", "redis.call('set', KEYS[1], ARGV[1]); return redis.call('incr', 'counter')", "1", "fromscript", "x"],
            ["SELECT", "5"], ["RPUSH", "in5", "a"], ["SELECT", "0"], ["SET", "gone", "v", "PX", "50"],
            ["XADD", "st", "*", "f", "w"], ["ZINCRBY", "z", "2", "m1"], ["GETDEL", "ttl"], ["SETRANGE", "s", "3", "xyz"],
        })
            Assert.That(writer.Call(command), Does.Not.StartWith("-"), string.Join(' ', command));
        writer.Send("SET inline value\r\n"); // an inline command: replicas get RESP
        Assert.That(writer.ReadReply(), Is.EqualTo("+OK"));
        Thread.Sleep(300); // "gone" expires here and its DEL follows
        Assert.That(writer.Call("GET", "gone"), Is.EqualTo("$nil"));
        Assert.That(writer.Call("WAIT", "1", "5000"), Is.EqualTo(":1"), "the replica acknowledged this connection's writes");

        Assert.That(theirs.Call("DEBUG", "DIGEST"), Is.EqualTo(writer.Call("DEBUG", "DIGEST")), "the replica has exactly this server's data");
        Assert.That(theirs.Call("GET", "inline"), Is.EqualTo("$value"));
        Assert.That(theirs.Call("DBSIZE"), Is.EqualTo(writer.Call("DBSIZE")));
        Assert.That(theirs.Call("EXISTS", "gone"), Is.EqualTo(":0"));
        Assert.That(writer.Call("INFO", "replication"), Does.Match($"connected_slaves:1\r\nslave0:ip=127.0.0.1,port={replica.Port},state=online,offset=\\d+,lag=\\d+"));
        Assert.That(writer.Call("ROLE"), Does.Match($"^\\*\\[\\$master,:\\d+,\\*\\[\\*\\[\\$127.0.0.1,\\${replica.Port},\\$\\d+\\]\\]\\]$"));
        Assert.That(writer.Call("WAIT", "2", "200"), Is.EqualTo(":1"), "asked for two, one answers: the count at the timeout");
        Assert.That(writer.Call("CLIENT", "LIST"), Does.Contain(" flags=S "), "the replica's connection, flagged as Redis flags it");
        Assert.That(writer.Call("CLIENT", "LIST", "TYPE", "replica"), Does.Contain(" flags=S ").And.Not.Contain("flags=N"));
        Assert.That(writer.Call("CLIENT", "LIST", "TYPE", "normal"), Does.Not.Contain(" flags=S "));
    }

    [Test]
    public async Task ReplicaLinksEndWithTheReplicaAndNeedTheLog()
    {
        await using var server = await ServerInstance.StartAsync();
        using var raw = new RawClient(server.Port);
        using (var replica = new Tools.ReferenceRedis("replica-gone", "--replicaof", "127.0.0.1", server.Port.ToString()))
        {
            using var theirs = new RawClient(replica.Port);
            Tools.WaitFor(() => theirs.Call("INFO", "replication").Contains("master_link_status:up"), "the replica's link is up");
            Assert.That(raw.Call("INFO", "replication"), Does.Contain("connected_slaves:1"));
        }
        Tools.WaitFor(() => raw.Call("INFO", "replication").Contains("connected_slaves:0"), "a replica that went away is no longer listed");
        using (var replica = new Tools.ReferenceRedis("replica-killed", "--replicaof", "127.0.0.1", server.Port.ToString()))
        {
            using var theirs = new RawClient(replica.Port);
            Tools.WaitFor(() => theirs.Call("INFO", "replication").Contains("master_link_status:up"), "the second replica's link is up");
            Assert.That(raw.Call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"), Is.EqualTo(":0"), "a replica is no normal client");
            string ReplicaId() => System.Text.RegularExpressions.Regex.Match(raw.Call("CLIENT", "LIST", "TYPE", "replica"), @"id=(\d+)").Groups[1].Value;
            var before = ReplicaId();
            Assert.That(before, Is.Not.Empty);
            Assert.That(raw.Call("CLIENT", "KILL", "TYPE", "replica"), Is.EqualTo(":1"));
            // Killed, the replica connects again at once (a new connection: another id).
            Tools.WaitFor(() => ReplicaId() is var now && now != before, "the killed replica's connection is gone");
        }
        Assert.That(raw.Call("WAIT", "0", "0"), Is.EqualTo(":0"));

        await using var noLog = await ServerInstance.StartAsync("--appendonly", "no");
        using var client = new RawClient(noLog.Port);
        Assert.That(client.Call("PSYNC", "?", "-1"), Is.EqualTo("-ERR this server feeds replicas the records of its log: replication needs appendonly yes"));
    }

    /// <summary>A stalled replica (SIGSTOP) whose stream passes the replica output limit is closed; resumed, it resynchronizes.</summary>
    [Test]
    public async Task AStalledReplicaIsClosedAtItsOutputLimitAndResynchronizes()
    {
        await using var server = await ServerInstance.StartAsync("--enable-debug-command", "local", "--client-output-buffer-limit", "replica 1mb 0 0");
        using var raw = new RawClient(server.Port);
        using var replica = new Tools.ReferenceRedis("replica-stalled", "--replicaof", "127.0.0.1", server.Port.ToString(), "--enable-debug-command", "local");
        using (var theirs = new RawClient(replica.Port))
            Tools.WaitFor(() => theirs.Call("INFO", "replication").Contains("master_link_status:up"), "the replica's link is up");
        int replicaPid = replica.Pid;
        Tools.Run("kill", "-STOP", replicaPid.ToString());
        try
        {
            var value = new string('x', 64 * 1024);
            for (int i = 0; i < 1000 && raw.Call("INFO", "replication").Contains("connected_slaves:1"); i++) // at most 64 MB: more than the kernel's socket buffers take
                Assert.That(raw.Call("SET", $"k{i}", value), Is.EqualTo("+OK"));
            Assert.That(raw.Call("INFO", "replication"), Does.Contain("connected_slaves:0"), "closed at its output limit");
            Assert.That(raw.Call("INFO", "stats"), Does.Contain("client_output_buffer_limit_disconnections:1"));
        }
        finally { Tools.Run("kill", "-CONT", replicaPid.ToString()); }
        using var again = new RawClient(replica.Port);
        Tools.WaitFor(() => raw.Call("INFO", "replication").Contains("connected_slaves:1") && again.Call("INFO", "replication").Contains("master_link_status:up"), "the replica came back");
        Assert.That(raw.Call("WAIT", "1", "5000"), Is.EqualTo(":1"));
        Assert.That(again.Call("DEBUG", "DIGEST"), Is.EqualTo(raw.Call("DEBUG", "DIGEST")));
    }

    /// <summary>
    /// A real redis-server replica whose link breaks continues from the backlog (PSYNC of this
    /// server's replication ID and its offset, +CONTINUE): the writes made meanwhile arrive,
    /// with no second full resynchronization. When the backlog no longer holds its offset
    /// (repl-backlog-size at its 16 KB floor, more written than that), it is refused and the
    /// replica gets everything again. Both end with this server's data.
    /// </summary>
    [Test]
    public async Task ABrokenReplicaLinkContinuesFromTheBacklog()
    {
        await using var server = await ServerInstance.StartAsync("--enable-debug-command", "local");
        using var raw = new RawClient(server.Port);
        Assert.That(raw.Call("SET", "before", "v"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("INFO", "replication"), Does.Contain("repl_backlog_active:0\r\nrepl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0"));
        using var replica = new Tools.ReferenceRedis("replica-psync", "--replicaof", "127.0.0.1", server.Port.ToString(), "--enable-debug-command", "local");
        using var theirs = new RawClient(replica.Port);
        Tools.WaitFor(() => theirs.Call("INFO", "replication").Contains("master_link_status:up"), "the replica's link is up");
        Assert.That(raw.Call("SET", "streamed", "v"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("WAIT", "1", "5000"), Is.EqualTo(":1"));
        var info = raw.Call("INFO", "replication");
        Assert.That(info, Does.Contain("repl_backlog_active:1"));
        long offset = long.Parse(System.Text.RegularExpressions.Regex.Match(info, @"master_repl_offset:(\d+)").Groups[1].Value);
        Assert.That(info, Does.Contain($"repl_backlog_histlen:{offset}"), "everything streamed since the first replica is in the backlog");
        Assert.That(raw.Call("INFO", "stats"), Does.Contain("sync_full:1\r\nsync_partial_ok:0\r\nsync_partial_err:0"));

        // The replica is stopped (SIGSTOP) while its link is closed, so that it cannot come back
        // before the writes: they reach it only from the backlog.
        void WhileTheReplicaIsAway(Action writes)
        {
            Tools.Run("kill", "-STOP", replica.Pid.ToString());
            try
            {
                Assert.That(raw.Call("CLIENT", "KILL", "TYPE", "replica"), Is.EqualTo(":1"));
                writes();
            }
            finally { Tools.Run("kill", "-CONT", replica.Pid.ToString()); }
        }
        WhileTheReplicaIsAway(() =>
        {
            for (int i = 0; i < 50; i++) Assert.That(raw.Call("SET", $"k{i}", $"v{i}"), Is.EqualTo("+OK"));
            Assert.That(raw.Call("SELECT", "3"), Is.EqualTo("+OK"));
            Assert.That(raw.Call("RPUSH", "in3", "a", "b"), Is.EqualTo(":2"));
            Assert.That(raw.Call("SELECT", "0"), Is.EqualTo("+OK"));
        });
        Tools.WaitFor(() => raw.Call("INFO", "stats").Contains("sync_partial_ok:1"), "the replica continued");
        Assert.That(raw.Call("WAIT", "1", "5000"), Is.EqualTo(":1"));
        Assert.That(raw.Call("INFO", "stats"), Does.Contain("sync_full:1\r\nsync_partial_ok:1\r\nsync_partial_err:0"), "no second full resynchronization");
        Assert.That(theirs.Call("DEBUG", "DIGEST"), Is.EqualTo(raw.Call("DEBUG", "DIGEST")));
        Assert.That(theirs.Call("GET", "k49"), Is.EqualTo("$v49"));

        Assert.That(raw.Call("CONFIG", "SET", "repl-backlog-size", "1"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("INFO", "replication"), Does.Contain("repl_backlog_size:16384\r\n").And.Contain("repl_backlog_histlen:"));
        var value = new string('x', 1024);
        WhileTheReplicaIsAway(() =>
        {
            for (int i = 0; i < 40; i++) Assert.That(raw.Call("SET", $"b{i}", value), Is.EqualTo("+OK")); // 40 KB: past the backlog
        });
        Tools.WaitFor(() => raw.Call("INFO", "stats").Contains("sync_full:2"), "the replica was sent everything again");
        Assert.That(raw.Call("INFO", "stats"), Does.Contain("sync_partial_ok:1\r\nsync_partial_err:1"));
        Assert.That(raw.Call("WAIT", "1", "5000"), Is.EqualTo(":1"));
        Assert.That(theirs.Call("DEBUG", "DIGEST"), Is.EqualTo(raw.Call("DEBUG", "DIGEST")));
        Assert.That(raw.Call("CONFIG", "RESETSTAT"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("INFO", "stats"), Does.Contain("sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0"));
    }

    /// <summary>
    /// min-replicas-to-write: without enough replicas acknowledging within min-replicas-max-lag
    /// seconds, writes are refused NOREPLICAS (commands, transactions, scripts), as
    /// redis-server refuses them; a real redis-server replica makes them possible, and
    /// stopping it (SIGSTOP) past the lag makes them impossible again.
    /// </summary>
    [Test]
    public async Task MinReplicasToWriteNeedsReplicasThatAcknowledge()
    {
        await using var server = await ServerInstance.StartAsync();
        string[][] commands =
        [
            ["CONFIG", "SET", "min-replicas-to-write", "1"], ["SET", "k", "v"], ["GET", "k"], ["MULTI"], ["SET", "k", "v"], ["EXEC"],
            ["EVAL", "return redis.call('set', 'k', 'v')", "0"], ["EVAL", "#!lua\nreturn 1", "0"], ["EVAL", "return 1", "0"],
            ["CONFIG", "SET", "min-slaves-max-lag", "0"], ["SET", "k", "v"], ["CONFIG", "SET", "min-replicas-max-lag", "10"],
            ["CONFIG", "GET", "min-replicas-*"], ["CONFIG", "SET", "min-replicas-to-write", "0"], ["SET", "k", "w"],
        ];
        Assert.That(Tools.DifferencesFromRedis(server.Port, commands).Where(d => !d.Contains("CONFIG GET min-replicas-*")), Is.Empty);

        using var raw = server.Raw();
        Assert.That(raw.Call("CONFIG", "SET", "min-replicas-to-write", "1"), Is.EqualTo("+OK"));
        Assert.That(raw.Call("SET", "k", "v"), Is.EqualTo("-NOREPLICAS Not enough good replicas to write."));
        Assert.That(raw.Call("INFO", "replication"), Does.Contain("connected_slaves:0\r\nmin_slaves_good_slaves:0\r\n"));
        using var replica = new Tools.ReferenceRedis("replica-min", "--replicaof", "127.0.0.1", server.Port.ToString());
        using (var theirs = new RawClient(replica.Port))
            Tools.WaitFor(() => theirs.Call("INFO", "replication").Contains("master_link_status:up"), "the replica's link is up");
        Tools.WaitFor(() => raw.Call("SET", "k", "v") == "+OK", "a replica that acknowledges lets writes through");
        Assert.That(raw.Call("INFO", "replication"), Does.Contain("connected_slaves:1\r\nmin_slaves_good_slaves:1\r\n"));
        Assert.That(raw.Call("CONFIG", "SET", "min-replicas-max-lag", "1"), Is.EqualTo("+OK"));
        Tools.Run("kill", "-STOP", replica.Pid.ToString());
        try
        {
            Tools.WaitFor(() => raw.Call("SET", "k", "v") == "-NOREPLICAS Not enough good replicas to write.", "a silent replica no longer counts");
            Assert.That(raw.Call("INFO", "replication"), Does.Contain("min_slaves_good_slaves:0\r\n"));
        }
        finally { Tools.Run("kill", "-CONT", replica.Pid.ToString()); }
        Tools.WaitFor(() => raw.Call("SET", "k", "v") == "+OK", "it counts again once it acknowledges");
    }

    /// <summary>
    /// replica-announce-ip and replica-announce-port: a master lists a replica where it says it
    /// is (REPLCONF ip-address / listening-port), both ways: a real redis-server replica of
    /// this server, and this server as a replica of a real redis-server.
    /// </summary>
    [Test]
    public async Task ReplicasAreListedWhereTheyAnnounceThemselves()
    {
        await using (var server = await ServerInstance.StartAsync())
        {
            using var replica = new Tools.ReferenceRedis("replica-announce", "--replicaof", "127.0.0.1", server.Port.ToString(),
                "--replica-announce-ip", "10.1.2.3", "--replica-announce-port", "4242");
            using var raw = server.Raw();
            Tools.WaitFor(() => raw.Call("INFO", "replication").Contains("slave0:ip=10.1.2.3,port=4242,state=online"), "the replica is listed as it announced itself");
            Assert.That(raw.Call("ROLE"), Does.Match(@"^\*\[\$master,:\d+,\*\[\*\[\$10\.1\.2\.3,\$4242,\$\d+\]\]\]$"));
        }
        using var master = new Tools.ReferenceRedis("master-announce");
        using var theirs = new RawClient(master.Port);
        await using var ours = await ServerInstance.StartAsync("--replica-announce-ip", "10.9.8.7", "--replica-announce-port", "5151",
            "--replicaof", "127.0.0.1", master.Port.ToString());
        Tools.WaitFor(() => theirs.Call("INFO", "replication").Contains("slave0:ip=10.9.8.7,port=5151,state=online"), "this server is listed as it announced itself");
    }

    /// <summary>repl-backlog-ttl: without replicas for that many seconds the backlog goes, and with it the replication ID (as Redis changes it).</summary>
    [Test]
    public async Task TheBacklogGoesAfterItsTimeWithoutReplicas()
    {
        await using var server = await ServerInstance.StartAsync("--repl-backlog-ttl", "1");
        using var raw = server.Raw();
        string ReplId() => System.Text.RegularExpressions.Regex.Match(raw.Call("INFO", "replication"), @"master_replid:(\w+)").Groups[1].Value;
        using (var replica = new Tools.ReferenceRedis("replica-ttl", "--replicaof", "127.0.0.1", server.Port.ToString()))
        using (var theirs = new RawClient(replica.Port))
            Tools.WaitFor(() => theirs.Call("INFO", "replication").Contains("master_link_status:up"), "the replica's link is up");
        var id = ReplId();
        Assert.That(raw.Call("INFO", "replication"), Does.Contain("repl_backlog_active:1"));
        Tools.WaitFor(() => raw.Call("INFO", "replication").Contains("repl_backlog_active:0"), "the backlog went a second after the last replica");
        Assert.That(ReplId(), Is.Not.EqualTo(id), "a new replication ID");
    }

    /// <summary>repl-disable-tcp-nodelay yes: a replica's socket loses TCP_NODELAY once it is synchronized (other clients keep it); no: it keeps it.</summary>
    [Test]
    public async Task ReplDisableTcpNodelayAppliesToReplicasOnly()
    {
        foreach (var setting in new[] { "yes", "no" })
        {
            await using var server = await ServerInstance.StartAsync("--repl-disable-tcp-nodelay", setting);
            using var raw = server.Raw();
            Assert.That(raw.Call("PING"), Is.EqualTo("+PONG"));
            using var replica = new Tools.ReferenceRedis("replica-nodelay", "--replicaof", "127.0.0.1", server.Port.ToString());
            using var theirs = new RawClient(replica.Port);
            Tools.WaitFor(() => theirs.Call("INFO", "replication").Contains("master_link_status:up"), "the replica's link is up");
            var clients = server.Server.Clients.ToList();
            Assert.That(clients.Single(c => c.IsReplica).Socket!.NoDelay, Is.EqualTo(setting == "no"), $"repl-disable-tcp-nodelay {setting}");
            Assert.That(clients.Where(c => !c.IsReplica).Select(c => c.Socket!.NoDelay), Is.All.True);
        }
    }

    /// <summary>
    /// A clean restart keeps the replication position, as Redis keeps it in its RDB file: a
    /// real redis-server replica of this server continues (+CONTINUE, no second full
    /// resynchronization) after this server restarts; after a kill -9 nothing is kept and
    /// the replica is sent everything again.
    /// </summary>
    [Test]
    public void AReplicaContinuesAfterTheMasterRestartsCleanly()
    {
        int port = ServerInstance.FreePort();
        var dir = Directory.CreateTempSubdirectory("pasteredis-restart-master").FullName;
        string[] args = ["--dir", dir, "--pbuf-memory", "8mb", "--enable-debug-command", "local"];
        try
        {
            using var replica = new Tools.ReferenceRedis("replica-restart", "--replicaof", "127.0.0.1", port.ToString(), "--enable-debug-command", "local");
            using var theirs = new RawClient(replica.Port);
            using (var server = ServerProcess.Start(port, args))
            using (var raw = new RawClient(port))
            {
                Tools.WaitFor(() => theirs.Call("INFO", "replication").Contains("master_link_status:up"), "the replica's link is up");
                Assert.That(raw.Call("SET", "a", "1"), Is.EqualTo("+OK"));
                Assert.That(raw.Call("WAIT", "1", "5000"), Is.EqualTo(":1"));
                raw.Send(RawClient.Command("SHUTDOWN"));
                Assert.That(server.WaitForExit(15_000), Is.True, server.Output);
            }
            using (var server = ServerProcess.Start(port, args))
            using (var raw = new RawClient(port))
            {
                Tools.WaitFor(() => raw.Call("INFO", "stats").Contains("sync_partial_ok:1"), "the replica continued after the restart");
                Assert.That(raw.Call("INFO", "stats"), Does.Contain("sync_full:0\r\n"), "no full resynchronization");
                Assert.That(raw.Call("SET", "b", "2"), Is.EqualTo("+OK"));
                Assert.That(raw.Call("WAIT", "1", "5000"), Is.EqualTo(":1"));
                Assert.That(theirs.Call("DEBUG", "DIGEST"), Is.EqualTo(raw.Call("DEBUG", "DIGEST")));
                server.Signal("KILL");
                Assert.That(server.WaitForExit(15_000), Is.True);
            }
            using (var server = ServerProcess.Start(port, args))
            using (var raw = new RawClient(port))
            {
                Tools.WaitFor(() => raw.Call("INFO", "stats").Contains("sync_full:1"), "after a crash the replica is sent everything");
                Assert.That(raw.Call("WAIT", "1", "5000"), Is.EqualTo(":1"));
                Assert.That(theirs.Call("DEBUG", "DIGEST"), Is.EqualTo(raw.Call("DEBUG", "DIGEST")));
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>This server as the replica, restarted cleanly: it asks its master to continue (the master's sync_partial_ok), in the database the stream had selected.</summary>
    [Test]
    public void ThisServerContinuesAfterARestartAsAReplica()
    {
        using var master = new Tools.ReferenceRedis("master-restart", "--enable-debug-command", "local");
        using var theirs = new RawClient(master.Port);
        int port = ServerInstance.FreePort();
        var dir = Directory.CreateTempSubdirectory("pasteredis-restart-replica").FullName;
        string[] args = ["--dir", dir, "--pbuf-memory", "8mb", "--enable-debug-command", "local", "--replicaof", "127.0.0.1", master.Port.ToString()];
        try
        {
            using (var server = ServerProcess.Start(port, args))
            using (var raw = new RawClient(port))
            {
                Tools.WaitFor(() => raw.Call("INFO", "replication").Contains("master_link_status:up"), "the link is up");
                Assert.That(theirs.Call("SELECT", "2"), Is.EqualTo("+OK"));
                Assert.That(theirs.Call("SET", "x", "1"), Is.EqualTo("+OK"));
                Assert.That(theirs.Call("WAIT", "1", "5000"), Is.EqualTo(":1"));
                raw.Send(RawClient.Command("SHUTDOWN"));
                Assert.That(server.WaitForExit(15_000), Is.True, server.Output);
            }
            Assert.That(theirs.Call("SET", "y", "2"), Is.EqualTo("+OK"), "still database 2 in the master's stream, no SELECT before it");
            using (var server = ServerProcess.Start(port, args))
            using (var raw = new RawClient(port))
            {
                Tools.WaitFor(() => theirs.Call("INFO", "stats").Contains("sync_partial_ok:1"), "the master continued this server's stream");
                Assert.That(theirs.Call("INFO", "stats"), Does.Contain("sync_full:1\r\n"), "only the first synchronization was full");
                Assert.That(theirs.Call("WAIT", "1", "5000"), Is.EqualTo(":1"));
                Assert.That(raw.Call("DEBUG", "DIGEST"), Is.EqualTo(theirs.Call("DEBUG", "DIGEST")));
                Assert.That(raw.Call("SELECT", "2"), Is.EqualTo("+OK"));
                Assert.That(raw.Call("GET", "y"), Is.EqualTo("$2"));
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// This server as the replica: when a real redis-server master drops its link, it asks to
    /// continue from the offset it applied and the master accepts (its sync_partial_ok), and
    /// the writes made meanwhile arrive.
    /// </summary>
    [Test]
    public async Task ThisServerContinuesFromRedisServersBacklog()
    {
        using var master = new Tools.ReferenceRedis("master-psync", "--enable-debug-command", "local");
        using var theirs = new RawClient(master.Port);
        Assert.That(theirs.Call("SET", "s", "v"), Is.EqualTo("+OK"));
        await using var server = await ServerInstance.StartAsync("--enable-debug-command", "local", "--replicaof", "127.0.0.1", master.Port.ToString());
        using var ours = new RawClient(server.Port);
        Tools.WaitFor(() => ours.Call("INFO", "replication").Contains("master_link_status:up"), "the link to the master is up");
        Assert.That(theirs.Call("SELECT", "2"), Is.EqualTo("+OK"));
        Assert.That(theirs.Call("SET", "in2", "x"), Is.EqualTo("+OK"));
        Assert.That(theirs.Call("WAIT", "1", "5000"), Is.EqualTo(":1"));
        Assert.That(theirs.Call("CLIENT", "KILL", "TYPE", "replica"), Is.EqualTo(":1"));
        Assert.That(theirs.Call("SET", "meanwhile", "y"), Is.EqualTo("+OK"), "in database 2, which the continued stream still has selected");
        Assert.That(theirs.Call("SELECT", "0"), Is.EqualTo("+OK"));
        Assert.That(theirs.Call("INCR", "n"), Is.EqualTo(":1"));
        Tools.WaitFor(() => theirs.Call("INFO", "stats").Contains("sync_partial_ok:1"), "the master continued this server's stream");
        Assert.That(theirs.Call("WAIT", "1", "5000"), Is.EqualTo(":1"));
        Assert.That(theirs.Call("INFO", "stats"), Does.Contain("sync_full:1\r\n"), "one full resynchronization only");
        Assert.That(ours.Call("DEBUG", "DIGEST"), Is.EqualTo(theirs.Call("DEBUG", "DIGEST")));
        Assert.That(ours.Call("SELECT", "2"), Is.EqualTo("+OK"));
        Assert.That(ours.Call("GET", "meanwhile"), Is.EqualTo("$y"));
    }

    /// <summary>
    /// The replica side: this server with REPLICAOF a real redis-server gets its data by a full
    /// resynchronization and then its stream, refuses writes of its own clients (READONLY),
    /// acknowledges (the master's WAIT counts it), keeps what it applied across a restart (it
    /// is logged like any write), and after REPLICAOF NO ONE takes writes again.
    /// </summary>
    [Test]
    public async Task ThisServerReplicatesRedisServer()
    {
        using var master = new Tools.ReferenceRedis("master", "--enable-debug-command", "local");
        using var theirs = new RawClient(master.Port);
        foreach (var command in new string[][]
        {
            ["SET", "s", "v"], ["HSET", "h", "f", "v"], ["RPUSH", "l", "1", "2"], ["ZADD", "z", "1", "m"], ["SET", "ttl", "v", "EX", "1000"],
            ["SELECT", "2"], ["SADD", "in2", "a", "b"], ["SELECT", "0"], ["XADD", "st", "1-1", "f", "v"],
        })
            Assert.That(theirs.Call(command), Does.Not.StartWith("-"), string.Join(' ', command));
        await using var server = await ServerInstance.StartAsync("--enable-debug-command", "local");
        using var ours = new RawClient(server.Port);
        Assert.That(ours.Call("REPLICAOF", "127.0.0.1", master.Port.ToString()), Is.EqualTo("+OK"));
        Tools.WaitFor(() => ours.Call("INFO", "replication").Contains("master_link_status:up"), "the link to the master is up");
        Assert.That(ours.Call("REPLICAOF", "127.0.0.1", master.Port.ToString()), Is.EqualTo("+OK Already connected to specified master"));
        foreach (var command in new string[][]
        {
            ["INCRBYFLOAT", "f", "2.5"], ["MULTI"], ["INCR", "n"], ["LPUSH", "l", "0"], ["EXEC"], ["EXPIRE", "s", "300"],
            ["EVAL", "return redis.call('set', KEYS[1], 'fromscript')", "1", "k"], ["SELECT", "4"], ["SET", "in4", "x"], ["SELECT", "0"],
            ["SPOP", "nothing"], ["DEL", "ttl"],
        })
            Assert.That(theirs.Call(command), Does.Not.StartWith("-"), string.Join(' ', command));
        Assert.That(theirs.Call("WAIT", "1", "5000"), Is.EqualTo(":1"), "this server acknowledged the master's stream");
        Assert.That(ours.Call("DEBUG", "DIGEST"), Is.EqualTo(theirs.Call("DEBUG", "DIGEST")), "the same data as the master");
        Assert.That(ours.Call("SET", "mine", "v"), Is.EqualTo("-READONLY You can't write against a read only replica."));
        Assert.That(ours.Call("EVAL", "return redis.call('set', 'mine', 'v')", "0"), Does.StartWith("-READONLY You can't write against a read only replica."));
        Assert.That(ours.Call("ROLE"), Does.Match($"^\\*\\[\\$slave,\\$127.0.0.1,:{master.Port},\\$connected,:\\d+\\]$"));
        Assert.That(ours.Call("INFO", "replication"), Does.Contain("role:slave").And.Contain($"master_port:{master.Port}")
            .And.Contain("slave_priority:100\r\nslave_read_only:1\r\nreplica_announced:1\r\n"));
        var digest = theirs.Call("DEBUG", "DIGEST");

        await server.RestartAsync(); // no replicaof in its configuration: a master again, with what it had applied
        using var after = new RawClient(server.Port);
        Assert.That(after.Call("DEBUG", "DIGEST"), Is.EqualTo(digest), "what the replica applied was logged");
        Assert.That(after.Call("SET", "mine", "v"), Is.EqualTo("+OK"));
        Assert.That(after.Call("REPLICAOF", "127.0.0.1", master.Port.ToString()), Is.EqualTo("+OK"));
        Tools.WaitFor(() => after.Call("INFO", "replication").Contains("master_link_status:up"), "the link is up again");
        Tools.WaitFor(() => after.Call("DEBUG", "DIGEST") == theirs.Call("DEBUG", "DIGEST"), "a full resynchronization replaced its own write");
        Assert.That(after.Call("REPLICAOF", "NO", "ONE"), Is.EqualTo("+OK"));
        Assert.That(after.Call("SET", "mine", "v"), Is.EqualTo("+OK"));
        Assert.That(after.Call("ROLE"), Does.StartWith("*[$master,"));
    }

    /// <summary>replicaof in the configuration (here on the command line): the server follows that master once started; CONFIG GET shows the current master.</summary>
    [Test]
    public async Task ReplicaofInTheConfigurationFollowsTheMasterAtStart()
    {
        using var master = new Tools.ReferenceRedis("master-config", "--enable-debug-command", "local");
        using var theirs = new RawClient(master.Port);
        Assert.That(theirs.Call("SET", "k", "v"), Is.EqualTo("+OK"));
        foreach (var log in new[] { "yes", "no" })
        {
            await using var server = await ServerInstance.StartAsync("--appendonly", log, "--replicaof", "127.0.0.1", master.Port.ToString(), "--repl-timeout", "30");
            using var ours = new RawClient(server.Port);
            Tools.WaitFor(() => ours.Call("INFO", "replication").Contains("master_link_status:up"), $"the link is up (appendonly {log})");
            Assert.That(ours.Call("GET", "k"), Is.EqualTo("$v"));
            Assert.That(ours.Call("CONFIG", "GET", "replicaof"), Is.EqualTo($"*[$replicaof,$127.0.0.1 {master.Port}]"));
            Assert.That(ours.Call("CONFIG", "SET", "replicaof", "127.0.0.1 1"), Is.EqualTo("-ERR CONFIG SET failed (possibly related to argument 'replicaof') - can't set immutable config"));
            Assert.That(ours.Call("REPLICAOF", "NO", "ONE"), Is.EqualTo("+OK"));
            Assert.That(ours.Call("CONFIG", "GET", "replicaof"), Is.EqualTo("*[$replicaof,$]"));
        }
    }

    [Test]
    public async Task ReplconfAnswersAsRedis()
    {
        await using var server = await ServerInstance.StartAsync();
        string[][] commands =
        [
            ["REPLCONF", "listening-port", "6390"], ["REPLCONF", "capa", "eof", "capa", "psync2"], ["REPLCONF", "nope", "x"],
            ["REPLCONF", "listening-port"], ["REPLCONF", "listening-port", "x"], ["REPLCONF"], ["ROLE"],
            ["MULTI"], ["PSYNC", "?", "-1"], ["DISCARD"], ["WAIT", "0", "0"],
            ["REPLICAOF", "127.0.0.1", "x"], ["REPLICAOF", "127.0.0.1", "99999"], ["REPLICAOF", "127.0.0.1", "-1"], ["REPLICAOF", "NO", "ONE"],
            ["REPLICAOF", "a"], ["SLAVEOF", "no", "one"], ["CONFIG", "GET", "replicaof"], ["CONFIG", "SET", "replicaof", "127.0.0.1 1"],
            ["CONFIG", "GET", "repl-timeout"], ["CONFIG", "GET", "repl-ping-replica-period"], ["CONFIG", "GET", "repl-backlog-size"], ["CONFIG", "GET", "repl-backlog-ttl"],
            ["CONFIG", "GET", "replica-announce-ip"], ["CONFIG", "GET", "replica-announce-port"], ["CONFIG", "SET", "replica-announce-port", "70000"],
            ["CONFIG", "GET", "shutdown-timeout"], ["CONFIG", "GET", "min-replicas-max-lag"],
            ["PSYNC", "x", "notanumber"],
        ];
        var differences = Tools.DifferencesFromRedis(server.Port, commands);
        // master_replid differs by nature; ROLE's offset is 0 on both (nothing written).
        Assert.That(differences, Is.Empty);
    }

}
