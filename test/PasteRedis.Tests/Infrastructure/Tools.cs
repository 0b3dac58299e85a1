using System.Diagnostics;

namespace PasteRedis.Tests.Infrastructure;

/// <summary>
/// External tools some tests need. When one is missing the test says so (Ignored, with
/// the install hint); under CI (PASTEREDIS_REQUIRE_TOOLS=1) a missing tool is a failure.
/// </summary>
public static class Tools
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test naming <paramref name="what"/> after <paramref name="seconds"/>.</summary>
    public static void WaitFor(Func<bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("timed out waiting until " + what);
            Thread.Sleep(20);
        }
    }

    public static string Require(string tool, string package)
    {
        var path = Environment.GetEnvironmentVariable("PATH")!.Split(':')
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
        if (path != null) return path;
        var message = $"{tool} is not installed (apt-get install -y {package}); this test did not run";
        if (Environment.GetEnvironmentVariable("PASTEREDIS_REQUIRE_TOOLS") == "1") Assert.Fail(message);
        Assert.Ignore(message);
        return null!;
    }

    /// <summary>Runs a tool to completion and returns what it printed on stdout and stderr.</summary>
    public static (int ExitCode, string Output) Run(string path, params string[] args)
    {
        var psi = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) p.Kill(true);
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>
    /// A real redis-server without persistence on a free port and a data dir of its own, for
    /// comparing replies: stopped and its dir removed on Dispose.
    /// </summary>
    public sealed class ReferenceRedis : IDisposable
    {
        private readonly Process _process;
        private readonly string _dir;

        public ReferenceRedis(string name, params string[] extra)
        {
            _dir = Directory.CreateTempSubdirectory("redis-" + name).FullName;
            Port = ServerInstance.FreePort();
            _process = StartRedisServer(_dir, Port, ["--appendonly", "no", .. extra]);
        }

        public int Port { get; }
        public int Pid => _process.Id;

        public RawClient Raw() => new(Port);

        public void Dispose()
        {
            _process.Kill();
            _process.WaitForExit();
            _process.Dispose();
            Directory.Delete(_dir, true);
        }
    }

    /// <summary>
    /// Starts the real redis-server on <paramref name="port"/> (no RDB saves, AOF on unless
    /// <paramref name="extra"/> says otherwise) and waits for its PONG.
    /// </summary>
    public static Process StartRedisServer(string dir, int port, params string[] extra)
    {
        var redis = Require("redis-server", "redis-server");
        var psi = new ProcessStartInfo(redis) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes" }.Concat(extra))
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        for (int i = 0; i < 100; i++)
        {
            try
            {
                using var raw = new RawClient(port);
                if (raw.Call("PING") == "+PONG") return p;
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException) { }
            Thread.Sleep(50);
        }
        p.Kill();
        p.WaitForExit();
        Assert.Fail("redis-server did not start (or did not answer PING with PONG)");
        return p;
    }
    /// <summary>
    /// Sends each command to a fresh real redis-server and to ours (port <paramref name="ours"/>),
    /// in RESP2 and then RESP3, bulk strings byte for byte, and returns every reply that differs.
    /// </summary>
    public static List<string> DifferencesFromRedis(int ours, string[][] commands)
    {
        var dir = Directory.CreateTempSubdirectory("redis-compare").FullName;
        int port = ServerInstance.FreePort();
        using var redis = StartRedisServer(dir, port, "--appendonly", "no");
        try
        {
            using var real = new RawClient(port) { BulkEncoding = System.Text.Encoding.Latin1 };
            using var mine = new RawClient(ours) { BulkEncoding = System.Text.Encoding.Latin1 };
            var differences = new List<string>();
            foreach (var protocol in new[] { "2", "3" })
            {
                Assert.That(real.Call("HELLO", protocol), Does.StartWith("%").Or.StartWith("*"));
                Assert.That(mine.Call("HELLO", protocol), Does.StartWith("%").Or.StartWith("*"));
                foreach (var command in commands)
                {
                    var (theirs, ourReply) = (real.Call(command), mine.Call(command));
                    if (theirs != ourReply) differences.Add($"RESP{protocol} {string.Join(' ', command)}\n    redis: {theirs}\n    ours:  {ourReply}");
                }
            }
            return differences;
        }
        finally
        {
            redis.Kill();
            redis.WaitForExit();
            Directory.Delete(dir, true);
        }
    }
}
