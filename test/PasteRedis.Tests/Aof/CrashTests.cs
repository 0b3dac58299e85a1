using System.Text;

namespace PasteRedis.Tests.Aof;

/// <summary>
/// kill -9 under load, many times over one data dir: every acknowledged write survives,
/// and nothing unacknowledged comes back as garbage.
/// </summary>
[TestFixture]
[Category("Crash")]
public class CrashTests
{
    /// <summary>A pipelining writer that remembers exactly which of its writes were acknowledged.</summary>
    private sealed class Writer(int id)
    {
        private int _next;
        public readonly Dictionary<string, string> AckedUnique = [];
        public readonly Dictionary<string, int> AckedVersion = [];
        public long AckedIncr, SentIncr;

        /// <summary>What went wrong on the writer's thread, asserted on the test's thread.</summary>
        public Exception? Error;

        public static string UniqueValue(string key) =>
            key + "|" + new string((char)('a' + key.Length % 26), key.GetHashCode() is var h && h < 0 ? -h % 3000 : h % 3000);

        public void Run(int port, CancellationToken stop)
        {
            try
            {
                using var raw = new RawClient(port);
                var rnd = new Random(id * 7919 + _next);
                while (!stop.IsCancellationRequested)
                {
                    var batch = new List<(string Kind, string Key, int Version)>();
                    var bytes = new MemoryStream();
                    for (int i = 0; i < 20; i++)
                    {
                        int n = _next++;
                        switch (rnd.Next(3))
                        {
                            case 0:
                                var key = $"u:{id}:{n}";
                                bytes.Write(RawClient.Command("SET", key, UniqueValue(key)));
                                batch.Add(("u", key, n));
                                break;
                            case 1:
                                var okey = $"o:{id}:{n % 10}";
                                bytes.Write(RawClient.Command("SET", okey, $"ver:{n}:{okey}:" + new string('v', rnd.Next(1, 1500))));
                                batch.Add(("o", okey, n));
                                break;
                            default:
                                bytes.Write(RawClient.Command("INCR", $"c:{id}"));
                                SentIncr++;
                                batch.Add(("c", $"c:{id}", n));
                                break;
                        }
                    }
                    raw.Send(bytes.ToArray());
                    foreach (var (kind, key, version) in batch)
                    {
                        var reply = raw.ReadReply();
                        if (reply.StartsWith('-'))
                        {
                            // A refused write (e.g. -OOM) was not acknowledged; anything else is a failure.
                            if (!reply.StartsWith("-OOM")) throw new InvalidDataException($"{kind} {key}: {reply}");
                            continue;
                        }
                        if (kind == "u" && reply == "+OK") AckedUnique[key] = UniqueValue(key);
                        else if (kind == "o" && reply == "+OK") AckedVersion[key] = version;
                        else if (kind == "c" && reply.StartsWith(':')) AckedIncr = long.Parse(reply[1..]);
                        else throw new InvalidDataException($"{kind} {key}: unexpected reply {reply}");
                    }
                }
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or EndOfStreamException) { }
            catch (Exception e) { Error = e; } // never let a writer thread take the test host down
        }

        public void Verify(RawClient raw)
        {
            foreach (var (key, value) in AckedUnique)
                Assert.That(raw.Call("GET", key), Is.EqualTo("$" + value), $"acknowledged {key}");
            foreach (var (key, version) in AckedVersion)
            {
                var got = raw.Call("GET", key);
                var parts = got.Split(':');
                Assert.That(parts[0], Is.EqualTo("$ver"), $"{key} holds {got[..Math.Min(60, got.Length)]}");
                Assert.That(int.Parse(parts[1]), Is.GreaterThanOrEqualTo(version), $"{key} lost an acknowledged version");
                Assert.That(got, Does.Match($@"^\$ver:\d+:{key.Replace(":", "\\:")}:v+$"), "well-formed");
            }
            var counter = raw.Call("GET", $"c:{id}");
            long count = counter == "$nil" ? 0 : long.Parse(counter[1..]);
            Assert.That(count, Is.InRange(AckedIncr, SentIncr), $"counter c:{id}");
        }
    }

    [Test]
    public void KillNineUnderLoadLosesNothingAcknowledged([Values("cache-line", "auto")] string granularity)
    {
        const int cycles = 10;
        int port = ServerInstance.FreePort();
        var dir = ServerInstance.NewDataDir();
        var writers = Enumerable.Range(0, 4).Select(i => new Writer(i)).ToList();
        var rnd = new Random();
        try
        {
            for (int cycle = 0; cycle < cycles; cycle++)
            {
                using var server = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "512mb", "--pmem-granularity", granularity);
                Assert.That(server.HasExited, Is.False, server.Output);
                using (var check = new RawClient(port))
                {
                    foreach (var w in writers) w.Verify(check);
                    var info = check.Call("INFO", "persistence");
                    Assert.That(info, Does.Contain("aof_enabled:1"));
                }
                using var stop = new CancellationTokenSource();
                var threads = writers.Select(w => new Thread(() => w.Run(port, stop.Token))).ToList();
                var compactor = new Thread(() =>
                {
                    try
                    {
                        using var raw = new RawClient(port);
                        while (!stop.IsCancellationRequested) { raw.Call("BGREWRITEAOF"); Thread.Sleep(rnd.Next(20, 120)); }
                    }
                    catch (Exception) { } // the server is killed under it; its replies are not asserted
                });
                threads.ForEach(t => t.Start());
                if (cycle % 2 == 1) compactor.Start(); // every other cycle also dies mid-compaction
                Thread.Sleep(rnd.Next(200, 900));
                server.Signal("KILL");
                Assert.That(server.WaitForExit(10_000), Is.True);
                stop.Cancel();
                threads.ForEach(t => t.Join());
                foreach (var w in writers) Assert.That(w.Error, Is.Null, w.Error?.ToString());
                if (compactor.IsAlive || compactor.ThreadState != ThreadState.Unstarted) compactor.Join();
            }
            using var final = ServerProcess.Start(port, "--dir", dir, "--pbuf-memory", "512mb", "--pmem-granularity", granularity);
            using var raw = new RawClient(port);
            foreach (var w in writers) w.Verify(raw);
            Assert.That(writers.Sum(w => w.AckedUnique.Count), Is.GreaterThan(100), "the load really ran");
            // Nothing unacknowledged became garbage: every unique key holds exactly its own value.
            foreach (var key in Scan(raw, "u:*"))
                Assert.That(raw.Call("GET", key), Is.EqualTo("$" + Writer.UniqueValue(key)), key);
        }
        finally { Directory.Delete(dir, true); }
    }

    private static List<string> Scan(RawClient raw, string pattern)
    {
        var keys = new List<string>();
        string cursor = "0";
        do
        {
            var reply = raw.Call("SCAN", cursor, "MATCH", pattern, "COUNT", "1000");
            var inner = reply[2..^1];
            int comma = inner.IndexOf(',');
            cursor = inner[1..comma];
            var list = inner[(comma + 3)..^1];
            if (list.Length > 0) keys.AddRange(list.Split(",$").Select(k => k.TrimStart('$')));
        } while (cursor != "0");
        return keys;
    }
}
