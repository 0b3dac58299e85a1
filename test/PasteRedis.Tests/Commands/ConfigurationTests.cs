namespace PasteRedis.Tests.Commands;

/// <summary>Where configuration comes from, and limits it sets, on real server processes.</summary>
[TestFixture]
public class ConfigurationTests
{
    [Test]
    public void EnvironmentVariablesConfigureButCommandLineWins()
    {
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        try
        {
            var env = new Dictionary<string, string> { ["PasteRedis__maxclients"] = "123", ["PasteRedis__timeout"] = "77" };
            using var server = ServerProcess.Start(port, env, "--dir", dir, "--pbuf-memory", "8mb", "--timeout", "5");
            Assert.That(server.HasExited, Is.False, server.Output);
            using var raw = new RawClient(port);
            Assert.That(raw.Call("CONFIG", "GET", "maxclients"), Is.EqualTo("*[$maxclients,$123]"), "from the environment");
            Assert.That(raw.Call("CONFIG", "GET", "timeout"), Is.EqualTo("*[$timeout,$5]"), "the command line wins");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public async Task MaxClientsRejectsTheConnectionOverTheLimit()
    {
        await using var server = await ServerInstance.StartAsync("--pbuf-memory", "8mb", "--maxclients", "3");
        using var a = server.Raw();
        using var b = server.Raw();
        using var c = server.Raw();
        foreach (var x in new[] { a, b, c }) Assert.That(x.Call("PING"), Is.EqualTo("+PONG"));
        using var d = server.Raw();
        Assert.That(d.ReadReply(), Is.EqualTo("-ERR max number of clients reached"));
        Assert.That(d.IsClosedByServer(), Is.True);
        Assert.That(a.Call("INFO", "stats"), Does.Contain("rejected_connections:1"));
    }

    [Test]
    public void SecondServerOnTheSameDataDirIsRefused()
    {
        var dir = ServerInstance.NewDataDir();
        try
        {
            using var first = ServerProcess.Start(ServerInstance.FreePort(), "--dir", dir, "--pbuf-memory", "8mb");
            Assert.That(first.HasExited, Is.False, first.Output);
            using var second = ServerProcess.Start(ServerInstance.FreePort(), "--dir", dir, "--pbuf-memory", "8mb");
            Assert.That(second.WaitForExit(15_000), Is.True, "the second server must not start");
            Assert.That(second.ExitCode, Is.Not.EqualTo(0));
            Assert.That(second.Output, Does.Contain("pbufs.pmem").And.Contain("another server"));
            Assert.That(first.HasExited, Is.False, "the first one is unharmed");
        }
        finally { Directory.Delete(dir, true); }
    }
}
