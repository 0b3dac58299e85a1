using System.Net.Sockets;
using System.Text;

namespace PasteRedis.Tests.Aof;

/// <summary>
/// Start-up with a log to replay, as Redis loads: the server listens at once, answers
/// "-LOADING …" to every command that needs the data (PING too, as Redis 7), serves INFO
/// (loading:1) meanwhile, and serves the data once replayed. A shutdown while loading
/// leaves the log as it was. Real server processes; replay slowed with Redis's
/// key-load-delay so that the loading phase lasts long enough to be observed.
/// </summary>
[TestFixture]
public class LoadingTests
{
    private const int Keys = 3000;
    private const string Loading = "-LOADING Redis is loading the dataset in memory";

    private static string WriteKeysAndStop(string dir)
    {
        int port = ServerInstance.FreePort();
        using var server = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "64mb");
        using var raw = new RawClient(port);
        var batch = new StringBuilder();
        for (int i = 0; i < Keys; i++) batch.Append(Encoding.ASCII.GetString(RawClient.Command("SET", $"k{i}", $"v{i}")));
        raw.Send(batch.ToString());
        for (int i = 0; i < Keys; i++) Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
        server.Signal("TERM");
        Assert.That(server.WaitForExit(15000), Is.True, server.Output);
        return dir;
    }

    /// <summary>Connects as soon as the restarted server listens (it does before replaying).</summary>
    private static RawClient ConnectEarly(ServerProcess server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try { return new RawClient(server.Port); }
            catch (SocketException) when (DateTime.UtcNow < deadline && !server.HasExited) { Thread.Sleep(10); }
        }
    }

    [Test]
    public void AnswersLoadingUntilTheLogIsReplayedThenServesTheData()
    {
        var dir = ServerInstance.NewDataDir();
        WriteKeysAndStop(dir);
        // 1 ms per record: about 3 s of loading.
        using var server = ServerProcess.Launch(ServerInstance.FreePort(), new(), "--dir", dir, "--pbuf-memory", "64mb", "--key-load-delay", "1000");
        using var raw = ConnectEarly(server);
        string first;
        try { first = raw.Call("PING"); }
        catch (IOException e) { Assert.Fail($"{e.Message}; the server said:\n{server.Output}"); throw; }
        Assert.That(first, Is.EqualTo(Loading), "PING has no loading flag in Redis 7");
        Assert.That(raw.Call("GET", "k1"), Is.EqualTo(Loading));
        Assert.That(raw.Call("SET", "written-while-loading", "x"), Is.EqualTo(Loading));
        Assert.That(raw.Call("DBSIZE"), Is.EqualTo(Loading));
        var info = raw.Call("INFO", "persistence");
        Assert.That(info, Does.Contain("loading:1\r\n").And.Contain("loading_loaded_records:"), "INFO is served while loading");
        Assert.That(raw.Call("CONFIG", "GET", "appendonly"), Is.EqualTo("*[$appendonly,$yes]"), "CONFIG is served while loading");
        raw.Send(RawClient.Command("MULTI"));
        Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
        Assert.That(raw.Call("SET", "in-multi", "x"), Is.EqualTo(Loading));
        Assert.That(raw.Call("EXEC"), Does.StartWith("-EXECABORT"));

        server.WaitUntilReady();
        Assert.That(server.HasExited, Is.False, server.Output);
        Assert.That(raw.Call("DBSIZE"), Is.EqualTo($":{Keys}"), "the same connection is served once loaded");
        Assert.That(raw.Call("GET", $"k{Keys - 1}"), Is.EqualTo($"$v{Keys - 1}"));
        Assert.That(raw.Call("EXISTS", "written-while-loading", "in-multi"), Is.EqualTo(":0"), "refused writes did nothing");
        Assert.That(raw.Call("INFO", "persistence"), Does.Contain("loading:0\r\n").And.Contain($"aof_last_load_records:{Keys}\r\n"));
        Assert.That(raw.Call("SET", "after", "1"), Is.EqualTo("+OK"), "writes are logged once loaded");
        server.Signal("TERM");
        Assert.That(server.WaitForExit(15000), Is.True, server.Output);

        using var again = ServerProcess.Start(ServerInstance.FreePort(), "--dir", dir, "--pbuf-memory", "64mb");
        using var check = new RawClient(again.Port);
        Assert.That(check.Call("DBSIZE"), Is.EqualTo($":{Keys + 1}"), again.Output);
        Assert.That(check.Call("GET", "after"), Is.EqualTo("$1"));
    }

    [Test]
    public async Task StackExchangeRedisConnectedWhileLoadingIsServedOnceLoaded()
    {
        var dir = ServerInstance.NewDataDir();
        WriteKeysAndStop(dir);
        using var server = ServerProcess.Launch(ServerInstance.FreePort(), new(), "--dir", dir, "--pbuf-memory", "64mb", "--key-load-delay", "1000");
        using (ConnectEarly(server)) { }
        var options = ConfigurationOptions.Parse($"127.0.0.1:{server.Port}");
        options.AbortOnConnectFail = false;
        await using var mux = await ConnectionMultiplexer.ConnectAsync(options);
        var db = mux.GetDatabase();
        // The client sees Redis's LOADING error as from a loading Redis: as the GET's own reply, or,
        // when its handshake's INFO got LOADING first, as the connection's Loading failure (the
        // client's race, seen once in CI).
        var during = Assert.ThrowsAsync(Is.InstanceOf<RedisServerException>().Or.InstanceOf<RedisConnectionException>(), () => db.StringGetAsync("k1"));
        if (during is RedisConnectionException connection)
            Assert.That(connection.FailureType, Is.EqualTo(ConnectionFailureType.Loading), connection.Message);
        else Assert.That(during!.Message, Is.EqualTo(Loading[1..]));
        server.WaitUntilReady();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        RedisValue value = default;
        while (DateTime.UtcNow < deadline)
        {
            try { value = await db.StringGetAsync("k1"); break; }
            catch (RedisException) { await Task.Delay(100); }
        }
        Assert.That((string?)value, Is.EqualTo("v1"), "the same multiplexer is served once the log is loaded");
    }

    [Test]
    public async Task NoPacketBufferIsHandedOutFromBeforeListeningUntilTheLogIsReplayed()
    {
        string[] sizes = ["--pbuf-memory", "8mb", "--aof-max-size", "4mb"];
        var first = await ServerInstance.StartAsync(sizes);
        using (var raw = new RawClient(first.Port))
            Assert.That(raw.Call("SET", "k", new string('v', 3000)), Is.EqualTo("+OK"));
        await first.StopKeepingDataAsync();

        // A connection accepted before the replay starts must not receive into a buffer that
        // a record not yet replayed points into: the pool hands out none until the replay ends.
        using var host = PasteRedis.Server.PasteRedisHost.Build(["--port", ServerInstance.FreePort().ToString(), "--dir", first.DataDir,
            .. sizes, "--key-load-delay", "200000", "--loglevel", "warning"]);
        var server = (PasteRedis.Server.RedisServer)host.Services.GetService(typeof(PasteRedis.Server.RedisServer))!;
        var pool = server.Pool!;
        Assert.That(pool.FreeCount, Is.Zero, "the server is built, not yet listening");
        using (var rented = pool.Rent()) Assert.That(rented, Is.Not.InstanceOf<PasteRedis.Paste.PacketBuffer>(), "ordinary memory instead");
        await host.StartAsync();
        Assert.That(server.Loading, Is.True, "one record, replayed in 0.2 s");
        Assert.That(pool.FreeCount, Is.Zero, "listening and loading");
        await server.Loaded;
        Assert.That(pool.FreeCount, Is.GreaterThan(0), "every buffer nothing references is free once replayed");
        using (var raw = new RawClient(int.Parse(server.Config.Get("port"))))
            Assert.That(raw.Call("STRLEN", "k"), Is.EqualTo(":3000"));
        await host.StopAsync();
    }

    [Test]
    public void ShutdownWhileLoadingLeavesTheLogAsItWas()
    {
        var dir = ServerInstance.NewDataDir();
        WriteKeysAndStop(dir);
        using (var server = ServerProcess.Launch(ServerInstance.FreePort(), new(), "--dir", dir, "--pbuf-memory", "64mb", "--key-load-delay", "2000"))
        {
            using var raw = ConnectEarly(server);
            Assert.That(raw.Call("PING"), Is.EqualTo(Loading));
            raw.Send(RawClient.Command("SHUTDOWN"));
            Assert.That(raw.IsClosedByServer(), Is.True, "SHUTDOWN is allowed while loading: no reply, the connection closes");
            Assert.That(server.WaitForExit(10000), Is.True, "exits without finishing the replay (about 6 s)\n" + server.Output);
            Assert.That(server.ExitCode, Is.EqualTo(0), server.Output);
            Assert.That(server.Output, Does.Contain("Loading stopped by shutdown"));
        }
        using var again = ServerProcess.Start(ServerInstance.FreePort(), "--dir", dir, "--pbuf-memory", "64mb");
        using var check = new RawClient(again.Port);
        Assert.That(check.Call("DBSIZE"), Is.EqualTo($":{Keys}"), again.Output);
        Assert.That(check.Call("GET", "k0"), Is.EqualTo("$v0"));
        Assert.That(again.Output, Does.Not.Contain("truncated"));
    }
}
