using System.Net.Sockets;
using System.Text;

namespace PasteRedis.Tests.Hosting;

/// <summary>
/// The server started as Debian runs redis-server: its stock /etc/redis/redis.conf, then
/// `--supervised systemd --daemonize no` (redis-server.service), with systemd's notify
/// socket played by the test. Everything in the file is accepted, and what the server
/// does with it shows: the log goes to logfile (with the logo, always-show-logo), systemd
/// hears of loading, readiness and stopping, the process is named after proc-title-template
/// and has transparent huge pages off (disable-thp).
/// </summary>
[TestFixture]
public class StockConfigurationTests
{
    private const string StockConf = "/etc/redis/redis.conf";

    [Test]
    public void TheStockRedisConfRunsUnderSystemd()
    {
        Tools.Require("redis-server", "redis-server");
        if (!File.Exists(StockConf)) Assert.Fail($"{StockConf} is missing although redis-server is installed");
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        Directory.CreateDirectory(dir);
        var conf = Path.Combine(dir, "redis.conf");
        File.Copy(StockConf, conf);
        var log = Path.Combine(dir, "server.log");
        var notifyPath = Path.Combine(dir, "notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
        notify.ReceiveTimeout = 20_000;
        string Notification()
        {
            var buffer = new byte[1024];
            return Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer));
        }
        try
        {
            var env = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notifyPath };
            using var server = ServerProcess.Start(port, env, conf, "--daemonize", "no", "--supervised", "systemd",
                "--dir", dir, "--logfile", log, "--pidfile", Path.Combine(dir, "redis.pid"), "--always-show-logo", "yes", "--pbuf-memory", "8mb");
            Assert.That(server.HasExited, Is.False, server.Output);
            Assert.That(Notification(), Is.EqualTo("STATUS=PasteRedis is loading...\n"));
            Assert.That(Notification(), Is.EqualTo("STATUS=Ready to accept connections\n"));
            Assert.That(Notification(), Is.EqualTo("READY=1\n"));

            using var raw = new RawClient(port);
            Assert.That(raw.Call("INFO", "server"), Does.Contain("process_supervised:systemd"));
            // The file's values, as given (a few of each kind: acted on, and accepted for compatibility).
            foreach (var (name, value) in new[]
            {
                ("appendonly", "no"), ("appendfsync", "everysec"), ("replica-serve-stale-data", "yes"), ("replica-priority", "100"),
                ("lazyfree-lazy-user-flush", "no"), ("list-max-listpack-size", "-2"), ("repl-diskless-sync-delay", "5"),
                ("jemalloc-bg-thread", "yes"), ("dynamic-hz", "yes"), ("proc-title-template", "{title} {listen-addr} {server-mode}"),
            })
                Assert.That(raw.Call("CONFIG", "GET", name), Is.EqualTo($"*[${name},${value}]"));

            var text = File.ReadAllText(log);
            Assert.That(text, Does.Contain("Running in standalone mode").And.Contain($"Port: {port}").And.Contain($"PID: {server.Pid}"), "the logo, in the log file");
            Assert.That(text, Does.Match($@"(?m)^{server.Pid}:M \d\d \w\w\w \d{{4}} \d\d:\d\d:\d\d\.\d{{3}} \* Ready to accept connections tcp"), "Redis's log line shape");
            Assert.That(server.Output, Does.Not.Contain("Ready to accept connections"), "with a logfile nothing goes to standard output");

            // set-proc-title: "pasteredis 127.0.0.1:PORT", cut at the 15 bytes Linux keeps; a new template renames it.
            Assert.That(File.ReadAllText($"/proc/{server.Pid}/comm").TrimEnd('\n'), Is.EqualTo("pasteredis 127."));
            Assert.That(raw.Call("CONFIG", "SET", "proc-title-template", "{port}"), Is.EqualTo("+OK"));
            Assert.That(File.ReadAllText($"/proc/{server.Pid}/comm").TrimEnd('\n'), Is.EqualTo(port.ToString()));
            var status = File.ReadAllLines($"/proc/{server.Pid}/status").FirstOrDefault(l => l.StartsWith("THP_enabled:"));
            // disable-thp yes: off for the whole process, or (Linux 6.18+) for every mapping but
            // those that advise huge pages (the packet buffers and the log, as DAX maps them).
            if (status != null && !status.EndsWith('0'))
            {
                var eligible = new List<string>();
                string? header = null;
                bool huge = false;
                foreach (var line in File.ReadLines($"/proc/{server.Pid}/smaps"))
                {
                    if (System.Text.RegularExpressions.Regex.IsMatch(line, "^[0-9a-f]+-[0-9a-f]+ ")) header = line;
                    else if (line.StartsWith("THPeligible:")) huge = line.EndsWith('1');
                    else if (line.StartsWith("VmFlags:") && huge && !line.Split(' ').Contains("hg")) eligible.Add(header!);
                }
                Assert.That(eligible, Is.Empty, "disable-thp yes: no mapping but the advised ones may use huge pages");
            }

            raw.Send(RawClient.Command("SHUTDOWN"));
            Assert.That(Notification(), Is.EqualTo("STOPPING=1\n"));
            Assert.That(server.WaitForExit(10_000), Is.True, server.Output);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>supervised upstart (with UPSTART_JOB set, as upstart's "expect stop" does): the server stops itself with SIGSTOP once started, and serves when continued.</summary>
    [Test]
    public void UnderUpstartTheServerStopsItselfToSayItStarted()
    {
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        Directory.CreateDirectory(dir);
        try
        {
            var env = new Dictionary<string, string> { ["UPSTART_JOB"] = "pasteredis" };
            using var server = ServerProcess.Launch(port, env, "--dir", dir, "--pbuf-memory", "8mb", "--supervised", "upstart");
            string State() => File.ReadAllText($"/proc/{server.Pid}/stat").Split(") ")[1][..1];
            Tools.WaitFor(() => server.HasExited || State() == "T", "the server stopped itself", seconds: 30);
            Assert.That(server.HasExited, Is.False, server.Output);
            Tools.Run("kill", "-CONT", server.Pid.ToString());
            server.WaitUntilReady();
            using var raw = new RawClient(port);
            Assert.That(raw.Call("INFO", "server"), Does.Contain("process_supervised:upstart"));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>daemonize yes may stand in the file when the command line says no (as above); left standing, it refuses the start with the reason.</summary>
    [Test]
    public void DaemonizeYesLeftStandingRefusesTheStart()
    {
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        Directory.CreateDirectory(dir);
        var conf = Path.Combine(dir, "redis.conf");
        File.WriteAllText(conf, "daemonize yes\n");
        try
        {
            using var server = ServerProcess.Launch(port, new Dictionary<string, string>(), conf, "--dir", dir, "--pbuf-memory", "8mb");
            Assert.That(server.WaitForExit(30_000), Is.True);
            Assert.That(server.ExitCode, Is.EqualTo(1));
            Assert.That(server.Output, Does.Contain("PasteRedis does not daemonize (daemonize yes)"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
