using StackExchange.Redis;

namespace PasteRedis.Tests.Hosting;

/// <summary>
/// unixsocket and unixsocketperm: clients (raw, redis-cli -s, StackExchange.Redis) reach
/// the same server on its Unix socket as on TCP; the file has the permissions asked for, a
/// stale one is replaced, and it goes at shutdown; CLIENT LIST shows such clients as Redis
/// does (the path as both addresses, flag U); with port 0 it is the only way in.
/// </summary>
[TestFixture]
public class UnixSocketTests
{
    [Test]
    public async Task ClientsReachTheServerOnItsUnixSocket()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pasteredis-{Guid.NewGuid():N}.sock");
        File.WriteAllText(path, "left by an earlier run");
        await using (var server = await ServerInstance.StartAsync("--unixsocket", path, "--unixsocketperm", "700"))
        {
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
            using var unix = new RawClient(path);
            Assert.That(unix.Call("SET", "k", "over unix"), Is.EqualTo("+OK"));
            using var tcp = server.Raw();
            Assert.That(tcp.Call("GET", "k"), Is.EqualTo("$over unix"), "one server, two ways in");
            Assert.That(unix.Call("CLIENT", "INFO"), Does.StartWith($"${"id="}").And.Contain($" addr={path}:0 laddr={path}:0 ").And.Contain(" flags=U "));
            Assert.That(tcp.Call("CLIENT", "INFO"), Does.Contain(" flags=N "));
            Assert.That(tcp.Call("CONFIG", "GET", "unixsocket*"), Does.Contain($"$unixsocket,${path}").And.Contain("$unixsocketperm,$700"));

            var cli = Tools.Require("redis-cli", "redis-tools");
            Assert.That(Tools.Run(cli, "-s", path, "GET", "k").Output.Trim(), Is.EqualTo("over unix"));

            using var mux = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { new System.Net.Sockets.UnixDomainSocketEndPoint(path) } });
            Assert.That((string?)await mux.GetDatabase().StringGetAsync("k"), Is.EqualTo("over unix"));
        }
        Assert.That(File.Exists(path), Is.False, "removed at shutdown");
    }

    [Test]
    public void WithPortZeroTheUnixSocketIsTheOnlyWayIn()
    {
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "redis.sock");
        try
        {
            using var server = ServerProcess.Launch(port, new Dictionary<string, string>(), "--dir", dir, "--pbuf-memory", "8mb", "--port", "0", "--unixsocket", path);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            string? pong = null;
            while (pong != "+PONG" && DateTime.UtcNow < deadline && !server.HasExited)
            {
                try
                {
                    using var unix = new RawClient(path);
                    pong = unix.Call("PING"); // LOADING until the (empty) log is replayed
                }
                catch (System.Net.Sockets.SocketException) { }
                if (pong != "+PONG") Thread.Sleep(50);
            }
            Assert.That(pong, Is.EqualTo("+PONG"), server.Output);
            Assert.Throws<System.Net.Sockets.SocketException>(() => new RawClient(port).Dispose(), "nothing on TCP");
            server.Signal("TERM");
            Assert.That(server.WaitForExit(10_000), Is.True, server.Output);
            Assert.That(File.Exists(path), Is.False);
        }
        finally { Directory.Delete(dir, true); }
    }
}
