using System.Diagnostics;

namespace PasteRedis.Tests.Aof;

/// <summary>kill -9 during start-up recovery and during a graceful shutdown: each restart recovers and loses no acknowledged write.</summary>
[TestFixture]
[Category("Crash")]
public class CrashInEveryPhaseTests
{
    private static readonly string[] Args = ["--pbuf-memory", "256mb", "--pmem-granularity", "cache-line"];

    private static string Value(int i) => $"value-{i}-" + new string((char)('a' + i % 26), 200 + i % 300);

    [Test]
    public void KillNineDuringRecoveryLosesNothing()
    {
        const int keys = 60_000;
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        try
        {
            using (var server = ServerProcess.Start(port, ["--dir", dir, .. Args]))
            using (var raw = new RawClient(port))
            {
                for (int start = 0; start < keys; start += 1000)
                {
                    var batch = new MemoryStream();
                    for (int i = start; i < start + 1000; i++) batch.Write(RawClient.Command("SET", "k:" + i, Value(i)));
                    raw.Send(batch.ToArray());
                    for (int i = 0; i < 1000; i++) Assert.That(raw.ReadReply(), Is.EqualTo("+OK"));
                }
                raw.Call("INCR", "restarts");
                server.Signal("KILL");
                server.WaitForExit(10_000);
            }
            // Measure one full recovery, then kill later ones at points spread over it.
            var clock = Stopwatch.StartNew();
            using (var timed = ServerProcess.Start(port, ["--dir", dir, .. Args]))
            {
                long recoveryMs = clock.ElapsedMilliseconds;
                Assert.That(timed.HasExited, Is.False, timed.Output);
                timed.Signal("KILL");
                timed.WaitForExit(10_000);
                var rnd = new Random();
                for (int cycle = 0; cycle < 5; cycle++)
                {
                    using var victim = ServerProcess.Launch(port, new Dictionary<string, string>(), ["--dir", dir, .. Args]);
                    Thread.Sleep(rnd.Next(50, (int)Math.Max(100, recoveryMs)));
                    victim.Signal("KILL");
                    victim.WaitForExit(10_000);
                }
            }
            using var final = ServerProcess.Start(port, ["--dir", dir, .. Args]);
            Assert.That(final.HasExited, Is.False, final.Output);
            using var check = new RawClient(port);
            Assert.That(check.Call("DBSIZE"), Is.EqualTo(":" + (keys + 1)));
            for (int i = 0; i < keys; i += 997) Assert.That(check.Call("GET", "k:" + i), Is.EqualTo("$" + Value(i)), "k:" + i);
            Assert.That(check.Call("GET", "k:" + (keys - 1)), Is.EqualTo("$" + Value(keys - 1)));
            Assert.That(check.Call("GET", "restarts"), Is.EqualTo("$1"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void KillNineDuringAGracefulShutdownLosesNothingAcknowledged()
    {
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        var acked = new HashSet<int>();
        int next = 0;
        var rnd = new Random();
        try
        {
            for (int cycle = 0; cycle < 6; cycle++)
            {
                using var server = ServerProcess.Start(port, ["--dir", dir, .. Args]);
                Assert.That(server.HasExited, Is.False, server.Output);
                using (var check = new RawClient(port))
                    foreach (var i in acked) Assert.That(check.Call("GET", "s:" + i), Is.EqualTo("$" + Value(i)), $"cycle {cycle}: s:{i}");
                Exception? error = null;
                var writer = new Thread(() =>
                {
                    try
                    {
                        using var raw = new RawClient(port);
                        while (true)
                        {
                            int first = next;
                            var batch = new MemoryStream();
                            for (int i = 0; i < 50; i++) batch.Write(RawClient.Command("SET", "s:" + (first + i), Value(first + i)));
                            next += 50;
                            raw.Send(batch.ToArray());
                            for (int i = 0; i < 50; i++)
                            {
                                var reply = raw.ReadReply();
                                if (reply != "+OK") throw new InvalidDataException(reply);
                                lock (acked) acked.Add(first + i);
                            }
                        }
                    }
                    catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or EndOfStreamException) { }
                    catch (Exception e) { error = e; }
                });
                writer.Start();
                Thread.Sleep(rnd.Next(100, 400));
                server.Signal("TERM");                 // drain connections, make the log durable…
                Thread.Sleep(rnd.Next(0, 30));
                server.Signal("KILL");                 // …and die somewhere in the middle of it
                server.WaitForExit(10_000);
                writer.Join();
                Assert.That(error, Is.Null, error?.ToString());
            }
            Assert.That(acked, Has.Count.GreaterThan(200), "the load really ran");
            using var final = ServerProcess.Start(port, ["--dir", dir, .. Args]);
            using var raw2 = new RawClient(port);
            foreach (var i in acked) Assert.That(raw2.Call("GET", "s:" + i), Is.EqualTo("$" + Value(i)), "s:" + i);
        }
        finally { Directory.Delete(dir, true); }
    }
}
